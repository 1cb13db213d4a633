/** The default engine socket when `DOCKER_HOST` is unset. */
export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** Where the engine listens, as parsed from `DOCKER_HOST`. */
export type DockerHost =
  | {
    transport: "unix";
    /** Absolute path of the unix socket. */
    path: string;
  }
  | {
    transport: "tcp";
    /** Name or address (IPv6 without brackets). */
    hostname: string;
    /** @default {2376, Docker's TLS port; the caller picks 2375 for plain tcp} */
    port: number | undefined;
  }
  | {
    transport: "ssh";
    hostname: string;
    /** @default {ssh's own: ~/.ssh/config, else the local user} */
    user: string | undefined;
    /** @default {ssh's own: ~/.ssh/config, else 22} */
    port: number | undefined;
  };

/**
 * Parses a `DOCKER_HOST` value; undefined or "" means the default socket. Accepts
 * `unix:///path`, `/path`, `tcp://HOST[:PORT]` and `ssh://[USER@]HOST[:PORT]` (the Docker
 * CLI's spellings); throws `RangeError` naming the value and the fix for anything else.
 */
export function parseDockerHost(value: string | undefined): DockerHost {
  if (value === undefined || value === "") {
    return { transport: "unix", path: DEFAULT_DOCKER_SOCKET };
  }
  if (value.startsWith("unix://")) {
    const path = value.slice("unix://".length);
    if (!path.startsWith("/")) {
      throw new RangeError(
        `DOCKER_HOST "${value}" is not a usable unix socket: the path must be absolute, e.g. unix:///var/run/docker.sock`,
      );
    }
    return { transport: "unix", path };
  }
  if (value.startsWith("/")) return { transport: "unix", path: value };
  if (value.startsWith("tcp://")) {
    const { hostname, port, user } = authority(value, "tcp://");
    if (user !== undefined) throw invalid(value, "tcp:// takes no user", "tcp://HOST:2376");
    return { transport: "tcp", hostname, port };
  }
  if (value.startsWith("ssh://")) {
    const { hostname, port, user } = authority(value, "ssh://");
    return { transport: "ssh", hostname, user, port };
  }
  throw new RangeError(
    `DOCKER_HOST "${value}" is not supported: use unix:///path/to/docker.sock, tcp://HOST:2376 (with DOCKER_TLS_VERIFY=1) or ssh://[USER@]HOST[:PORT]`,
  );
}

/** `DOCKER_HOST` spelled back, for messages: `tcp://h:2376`, `ssh://me@h`. */
export function formatDockerHost(host: DockerHost): string {
  switch (host.transport) {
    case "unix":
      return `unix://${host.path}`;
    case "tcp":
      return `tcp://${bracket(host.hostname)}${host.port === undefined ? "" : `:${host.port}`}`;
    case "ssh":
      return `ssh://${host.user === undefined ? "" : `${host.user}@`}${bracket(host.hostname)}${
        host.port === undefined ? "" : `:${host.port}`
      }`;
  }
}

function authority(value: string, scheme: string) {
  let rest = value.slice(scheme.length);
  if (rest.endsWith("/")) rest = rest.slice(0, -1);
  if (rest === "") throw invalid(value, "the host is missing", `${scheme}HOST`);
  if (/[/?#]/.test(rest)) {
    throw invalid(value, "it has a path, query or fragment", `${scheme}HOST:PORT`);
  }
  let user: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === "" || /[:\s]/.test(user)) {
      throw invalid(value, "the user is empty or has a password", `${scheme}USER@HOST`);
    }
  }
  let hostname: string;
  let portText: string | undefined;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) throw invalid(value, "an IPv6 address lacks its ]", `${scheme}[::1]:2376`);
    hostname = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) {
      throw invalid(value, "junk after the IPv6 address", `${scheme}[::1]:2376`);
    }
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = rest.indexOf(":");
    hostname = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? undefined : rest.slice(colon + 1);
  }
  const bracketed = rest.startsWith("[");
  const valid = bracketed ? /^[0-9A-Fa-f:.]+(%[\w.-]+)?$/ : /^[A-Za-z0-9._-]+$/;
  if (hostname.startsWith("-")) {
    throw invalid(value, "a host cannot start with -", `${scheme}HOST:PORT`);
  }
  if (!valid.test(hostname)) {
    throw invalid(value, "the host is missing or malformed", `${scheme}HOST:PORT`);
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) {
      throw invalid(value, `the port "${portText}" is not 1-65535`, `${scheme}HOST:2376`);
    }
  }
  return { hostname, port, user };
}

function invalid(value: string, why: string, example: string): RangeError {
  return new RangeError(`DOCKER_HOST "${value}" is not a usable address: ${why}, e.g. ${example}`);
}

function bracket(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}
