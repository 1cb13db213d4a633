/**
 * How leash secures a `tcp://` engine, read from the Docker CLI's variables: `DOCKER_TLS_VERIFY`
 * (any non-empty value, as the CLI reads it) turns on TLS with the engine's certificate checked
 * against `DOCKER_CERT_PATH/ca.pem` and leash's client certificate `cert.pem`/`key.pem` from
 * the same directory (default `~/.docker`). Plain tcp hands anyone on the path root on the
 * engine's machine, so it is refused unless `LEASH_DOCKER_INSECURE=1` says so.
 */
import { join } from "node:path";
import { DockerConnectionError } from "./errors.ts";

/** The TLS material of a `tcp://` engine, PEM text. */
export interface TlsMaterial {
  /** Where the files came from (`DOCKER_CERT_PATH`), for messages. */
  certPath: string;
  /** The CA that signed the engine's certificate (ca.pem). */
  ca: string;
  /** leash's client certificate (cert.pem) and its key (key.pem). */
  cert: string;
  key: string;
}

/** What a `tcp://` engine's connection is: TLS with these files, or plain tcp the user accepted. */
export type TcpSecurity = { tls: true; certPath: string } | { tls: false };

/** Reads an environment variable. */
export type EnvReader = (name: string) => string | undefined;

/**
 * Decides TLS or plain tcp from the environment; pure. Throws `RangeError` naming DOCKER_HOST
 * and the fix when neither TLS nor `LEASH_DOCKER_INSECURE=1` is set.
 */
export function tcpSecurity(address: string, env: EnvReader): TcpSecurity {
  if ((env("DOCKER_TLS_VERIFY") ?? "") !== "") {
    const path = env("DOCKER_CERT_PATH") ?? "";
    const home = env("HOME") ?? "";
    if (path === "" && home === "") {
      throw new RangeError(
        `Cannot find the TLS files for DOCKER_HOST "${address}": DOCKER_CERT_PATH and HOME are unset; set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem`,
      );
    }
    return { tls: true, certPath: path !== "" ? path : join(home, ".docker") };
  }
  if (env("LEASH_DOCKER_INSECURE") === "1") return { tls: false };
  const tlsOnly = (env("DOCKER_TLS") ?? "") !== ""
    ? " (DOCKER_TLS without DOCKER_TLS_VERIFY does not check the engine's certificate)"
    : "";
  throw new RangeError(
    `Cannot use DOCKER_HOST "${address}" without TLS verification${tlsOnly}: anyone on the network path could run containers as root on that engine; set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem (the engine runs dockerd --tlsverify), or LEASH_DOCKER_INSECURE=1 to accept plain tcp`,
  );
}

const FILES = {
  ca: ["ca.pem", "the CA certificate that signed the engine's certificate"],
  cert: ["cert.pem", "leash's client certificate, signed by a CA the engine trusts"],
  key: ["key.pem", "the client certificate's private key"],
} as const;

/** Reads ca.pem, cert.pem and key.pem; a missing or unreadable one is named with the fix. */
export async function loadTlsMaterial(address: string, certPath: string): Promise<TlsMaterial> {
  const read = async (which: keyof typeof FILES) => {
    const [name, what] = FILES[which];
    const file = join(certPath, name);
    try {
      const text = await Deno.readTextFile(file);
      if (!text.includes("-----BEGIN ")) throw new TypeError("not PEM text");
      return text;
    } catch (error) {
      const why = error instanceof Deno.errors.NotFound
        ? "no such file"
        : error instanceof Deno.errors.PermissionDenied
        ? "permission denied"
        : (error as Error).message;
      throw new DockerConnectionError(
        `Cannot use DOCKER_HOST "${address}": cannot read "${file}" (${what}): ${why}; put ${name} there or set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem`,
        address,
        { cause: error },
      );
    }
  };
  return { certPath, ca: await read("ca"), cert: await read("cert"), key: await read("key") };
}
