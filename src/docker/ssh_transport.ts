/**
 * The engine over ssh, the way the Docker CLI does it: each connection to the engine is one
 * `ssh [-l USER] [-p PORT] -- HOST docker system dial-stdio` whose stdin/stdout carry the
 * engine's HTTP. Deno's HTTP client cannot speak over a child's pipes, so the transport serves
 * a private unix socket (`_bridge.ts`) and starts one ssh per connection accepted there; the
 * HTTP client pools its connections, so a pooled request costs no new ssh. ssh reads the user's ~/.ssh/config, keys and agent;
 * `LEASH_SSH_CONFIG` names another config file (`ssh -F`).
 */
import { LocalBridge } from "./_bridge.ts";
import { DockerConnectionError } from "./errors.ts";
import { localAddressTo, sshDestination } from "./local_address.ts";
import { errorText } from "./tcp_errors.ts";
import { type DockerTransport, type RawConn, UnixSocketTransport } from "./transport.ts";

/** Options of {@linkcode SshTransport.open}. */
export interface SshTransportOptions {
  hostname: string;
  /** @default {ssh's choice} */
  user?: string | undefined;
  /** @default {ssh's choice} */
  port?: number | undefined;
  /** The DOCKER_HOST value, for messages. */
  address: string;
  /** An ssh config file (`-F`). @default {ssh's own} */
  configFile?: string | undefined;
  /** The ssh program. @default {"ssh"} */
  ssh?: string;
  /** Seconds ssh may take to connect (`ConnectTimeout`). @default {10} */
  connectTimeoutS?: number;
}

/** How one ssh ended: its exit status (-1: it did not start) and what it printed. */
export interface SshFailure {
  code: number;
  stderr: string;
}

/** Talks HTTP/1.1 to a remote engine through `ssh ... docker system dial-stdio`. */
export class SshTransport implements DockerTransport {
  readonly socket: string;
  readonly description: string;
  readonly remote = true;
  #o: SshTransportOptions;
  #bridge: LocalBridge;
  #inner: UnixSocketTransport;

  private constructor(options: SshTransportOptions, bridge: LocalBridge) {
    this.#o = options;
    this.socket = options.address;
    const user = options.user === undefined ? "" : `${options.user}@`;
    const port = options.port === undefined ? "" : `:${options.port}`;
    this.description = `ssh ${user}${options.hostname}${port}`;
    this.#bridge = bridge;
    this.#inner = new UnixSocketTransport(bridge.path);
  }

  /** Opens the private socket the HTTP client talks to; ssh starts with the first request. */
  static async open(options: SshTransportOptions): Promise<SshTransport> {
    const bridge: LocalBridge = await LocalBridge.open(
      () => dialSsh(options, (e) => bridge.fail(e)),
      "leash-ssh-",
    );
    return new SshTransport(options, bridge);
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await this.#inner.fetch(path, init);
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw await this.#explain(error);
    }
  }

  async connect(): Promise<RawConn> {
    try {
      return await this.#inner.connect();
    } catch (error) {
      throw await this.#explain(error);
    }
  }

  /** The local end of a TCP connection to where ssh connects (`ssh -G`), closed at once. */
  async localAddress(): Promise<string> {
    const o = this.#o;
    const output = await new Deno.Command(o.ssh ?? "ssh", {
      args: [
        ...(o.configFile ? ["-F", o.configFile] : []),
        "-G",
        ...(o.user === undefined ? [] : ["-l", o.user]),
        ...(o.port === undefined ? [] : ["-p", String(o.port)]),
        "--",
        o.hostname,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const destination = sshDestination(new TextDecoder().decode(output.stdout));
    if ("unknown" in destination) throw new Error(destination.unknown);
    return await localAddressTo(destination.hostname, destination.port);
  }

  close(): void {
    this.#inner.close();
    this.#bridge.close();
  }

  /** Names what ssh said when a request failed because its ssh did. */
  async #explain(error: unknown): Promise<DockerConnectionError> {
    const failure = await this.#bridge.failure(2000);
    const reason = failure instanceof SshExit
      ? sshReason(failure.failure, this.#o)
      : errorText(failure ?? error);
    return new DockerConnectionError(
      `Cannot connect to Docker engine "${this.#o.address}" (DOCKER_HOST): ${reason}`,
      this.#o.address,
      { cause: failure ?? error },
    );
  }
}

/** An ssh that ended with a failure status, as the bridge keeps it. */
class SshExit extends Error {
  override name = "SshExit";
  readonly failure: SshFailure;
  constructor(failure: SshFailure) {
    super(`ssh exited with status ${failure.code}: ${failure.stderr.trim()}`);
    this.failure = failure;
  }
}

/**
 * Starts one ssh and hands its pipes over as a connection; a failing exit is reported to
 * `onFailure` with what ssh printed (bounded).
 */
function dialSsh(o: SshTransportOptions, onFailure: (error: SshExit) => void): Promise<RawConn> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(o.ssh ?? "ssh", {
      args: sshArgs(o),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) return Promise.reject(error);
    return Promise.reject(
      new SshExit({
        code: -1,
        stderr: `"${
          o.ssh ?? "ssh"
        }" is not installed; install the OpenSSH client (apt-get install openssh-client)`,
      }),
    );
  }
  let killed = false;
  let ended = false;
  const stderr = readBounded(child.stderr, 4096);
  child.status.then(async (status) => {
    // ssh ending by itself with a failure explains the request it carried; our SIGTERM does not.
    if (status.success || (killed && status.signal !== null)) return;
    onFailure(new SshExit({ code: status.code, stderr: await stderr }));
  });
  const reader = child.stdout.getReader();
  const writer = child.stdin.getWriter();
  let pending: Uint8Array | undefined;
  return Promise.resolve({
    async read(buffer: Uint8Array): Promise<number | null> {
      if (!pending) {
        const { value, done } = await reader.read();
        if (done) {
          ended = true;
          return null;
        }
        pending = value;
      }
      const n = Math.min(buffer.length, pending.length);
      buffer.set(pending.subarray(0, n));
      pending = n === pending.length ? undefined : pending.subarray(n);
      return n;
    },
    async write(data: Uint8Array): Promise<number> {
      await writer.write(data.slice());
      return data.length;
    },
    async closeWrite(): Promise<void> {
      await writer.close();
    },
    close(): void {
      writer.abort().catch(() => {});
      reader.cancel().catch(() => {});
      // An ssh whose output ended is exiting by itself (its status may explain a failure).
      if (ended) return;
      killed = true;
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
    },
  });
}

/** The ssh command line of one connection (without the program); pure. */
export function sshArgs(o: SshTransportOptions): string[] {
  return [
    ...(o.configFile ? ["-F", o.configFile] : []),
    "-o",
    `ConnectTimeout=${o.connectTimeoutS ?? 10}`,
    "-T",
    ...(o.user === undefined ? [] : ["-l", o.user]),
    ...(o.port === undefined ? [] : ["-p", String(o.port)]),
    "--",
    o.hostname,
    "docker",
    "system",
    "dial-stdio",
  ];
}

/** The reason and fix for a failed ssh; pure. */
export function sshReason(
  failure: SshFailure,
  o: { hostname: string; user?: string | undefined; port?: number | undefined },
): string {
  const target = `${o.port === undefined ? "" : `-p ${o.port} `}${
    o.user === undefined ? "" : `${o.user}@`
  }${o.hostname}`;
  if (failure.code === -1) return failure.stderr;
  const said = failure.stderr.trim().split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !/^Warning: Permanently added/.test(l)
  );
  const text = said.join(" / ");
  const quoted = text === "" ? "" : `: ${text}`;
  let fix: string;
  if (/Permission denied|Too many authentication failures/i.test(text)) {
    fix =
      `let ssh log in without a prompt (ssh-copy-id, ssh-agent, or IdentityFile in ~/.ssh/config), then check with: ssh ${target} docker version`;
  } else if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(text)) {
    fix =
      `add the engine host's key to known_hosts (ssh ${target} once, after checking its fingerprint)`;
  } else if (
    /docker: (?:command )?not found|dial-stdio|unknown command|Cannot connect to the Docker daemon|permission denied while trying to connect/i
      .test(text)
  ) {
    fix =
      `the remote user needs the docker CLI and access to its engine: check with ssh ${target} docker version`;
  } else if (
    /Connection refused|Connection timed out|No route to host|Could not resolve hostname|Network is unreachable/i
      .test(text)
  ) {
    fix = "check the host and port in DOCKER_HOST and that sshd runs there";
  } else {
    fix = `check with: ssh ${target} docker system dial-stdio`;
  }
  return `ssh exited with status ${failure.code}${quoted}; ${fix}`;
}

async function readBounded(stream: ReadableStream<Uint8Array>, limit: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  try {
    for await (const chunk of stream) {
      if (text.length < limit) text += decoder.decode(chunk, { stream: true });
    }
  } catch {
    // A killed ssh: what was read is enough.
  }
  return text.slice(0, limit);
}
