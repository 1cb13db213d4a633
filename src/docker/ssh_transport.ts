/**
 * The engine over ssh, the way the Docker CLI does it: each connection to the engine is one
 * `ssh [-l USER] [-p PORT] -- HOST docker system dial-stdio` whose stdin/stdout carry the
 * engine's HTTP. Deno's HTTP client cannot speak over a child's pipes, so the transport serves
 * a unix socket in a private directory (0700, made for this client, removed by `close()`)
 * and starts one ssh per connection accepted there; the HTTP client pools its connections,
 * so a pooled request costs no new ssh. ssh reads the user's ~/.ssh/config, keys and agent;
 * `LEASH_SSH_CONFIG` names another config file (`ssh -F`).
 */
import { DockerConnectionError } from "./errors.ts";
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
  #dir: string;
  #listener: Deno.Listener;
  #inner: UnixSocketTransport;
  #children = new Set<Deno.ChildProcess>();
  #failure: SshFailure | undefined;
  #onFailure: (() => void)[] = [];
  #closed = false;

  private constructor(options: SshTransportOptions, dir: string, listener: Deno.Listener) {
    this.#o = options;
    this.socket = options.address;
    const user = options.user === undefined ? "" : `${options.user}@`;
    const port = options.port === undefined ? "" : `:${options.port}`;
    this.description = `ssh ${user}${options.hostname}${port}`;
    this.#dir = dir;
    this.#listener = listener;
    this.#inner = new UnixSocketTransport(`${dir}/engine.sock`);
    this.#acceptLoop();
  }

  /** Opens the private socket the HTTP client talks to; ssh starts with the first request. */
  static async open(options: SshTransportOptions): Promise<SshTransport> {
    const dir = await Deno.makeTempDir({ prefix: "leash-ssh-" });
    await Deno.chmod(dir, 0o700);
    const listener = Deno.listen({ transport: "unix", path: `${dir}/engine.sock` });
    return new SshTransport(options, dir, listener);
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

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inner.close();
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const child of this.#children) {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
    }
    try {
      Deno.removeSync(this.#dir, { recursive: true });
    } catch {
      // Removed by someone else: nothing left to release.
    }
  }

  async #acceptLoop(): Promise<void> {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch {
        return;
      }
      this.#serve(conn).catch(() => {});
    }
  }

  /** Runs one ssh for one accepted connection and copies bytes both ways until both end. */
  async #serve(conn: Deno.Conn): Promise<void> {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(this.#o.ssh ?? "ssh", {
        args: sshArgs(this.#o),
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      const missing = error instanceof Deno.errors.NotFound;
      this.#fail({
        code: -1,
        stderr: missing
          ? `"${
            this.#o.ssh ?? "ssh"
          }" is not installed; install the OpenSSH client (apt-get install openssh-client)`
          : errorText(error),
      });
      conn.close();
      return;
    }
    this.#children.add(child);
    const stderr = readBounded(child.stderr, 4096);
    // Not conn.readable: it closes the whole connection at end of input, and a half-closed
    // connection (attach's closeStdin) still carries the engine's output back.
    const up = (async () => {
      const writer = child.stdin.getWriter();
      const buffer = new Uint8Array(64 * 1024);
      try {
        while (true) {
          const n = await conn.read(buffer);
          if (n === null) break;
          await writer.write(buffer.slice(0, n));
        }
        await writer.close();
      } catch {
        await writer.abort().catch(() => {});
      }
    })();
    const down = (async () => {
      try {
        for await (const chunk of child.stdout) {
          let written = 0;
          while (written < chunk.length) written += await conn.write(chunk.subarray(written));
        }
        await conn.closeWrite();
      } catch {
        // The client went away: ssh is stopped below.
      }
    })();
    const status = await child.status;
    this.#children.delete(child);
    if (!status.success && !this.#closed) {
      this.#fail({ code: status.code, stderr: await stderr });
    }
    await down;
    try {
      conn.close();
    } catch {
      // Already closed.
    }
    await up;
  }

  #fail(failure: SshFailure): void {
    this.#failure = failure;
    for (const wake of this.#onFailure.splice(0)) wake();
  }

  /** Names what ssh said when a request failed because its ssh did. */
  async #explain(error: unknown): Promise<DockerConnectionError> {
    if (this.#failure === undefined) {
      // The HTTP client may notice the closed connection before ssh's exit is seen.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#onFailure.push(resolve);
        timer = setTimeout(resolve, 2000);
      });
      clearTimeout(timer);
    }
    const failure = this.#failure;
    const reason = failure === undefined ? errorText(error) : sshReason(failure, this.#o);
    return new DockerConnectionError(
      `Cannot connect to Docker engine "${this.#o.address}" (DOCKER_HOST): ${reason}`,
      this.#o.address,
      { cause: error },
    );
  }
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
