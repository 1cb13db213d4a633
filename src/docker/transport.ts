import { DockerConnectionError } from "./errors.ts";

/** A raw bidirectional byte stream to the engine, as used for hijacked (attach) requests. */
export interface RawConn {
  /** Reads into `buffer`; resolves to the byte count, or null at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some of `data`; resolves to the byte count written. */
  write(data: Uint8Array): Promise<number>;
  /** Half-closes: the engine sees end of input while output keeps flowing. */
  closeWrite(): Promise<void>;
  /** Closes both directions and releases the resource. */
  close(): void;
}

/**
 * How the client reaches the engine: a unix socket (this file), TCP with TLS
 * (`tcp_transport.ts`) or ssh (`ssh_transport.ts`), each behind the same three calls.
 */
export interface DockerTransport {
  /** Where the engine is, for messages, e.g. `/var/run/docker.sock` or `tcp://h:2376`. */
  readonly socket: string;
  /** How leash reaches it, for people. @default {`unix socket ${socket}`} */
  readonly description?: string;
  /** The engine is on another machine (tcp, ssh): its filesystem is not this host's. @default {false} */
  readonly remote?: boolean;
  /** Sends one HTTP request; `path` is absolute and includes the API version and query. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Opens a raw connection for requests the engine hijacks (attach). */
  connect(): Promise<RawConn>;
  /**
   * The address of this machine leash's connections to the engine leave from (tcp, ssh);
   * undefined for a unix socket. Throws with the reason when it cannot be known.
   */
  localAddress?(): Promise<string>;
  /** Releases pooled connections; the transport is unusable afterwards. */
  close(): void;
}

/** Talks HTTP/1.1 to the engine over a unix socket. */
export class UnixSocketTransport implements DockerTransport {
  readonly socket: string;
  readonly description: string;
  readonly remote = false;
  #client: Deno.HttpClient;

  constructor(path: string) {
    this.socket = path;
    this.description = `unix socket ${path}`;
    this.#client = Deno.createHttpClient({ proxy: { transport: "unix", path } });
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(`http://localhost${path}`, { ...init, client: this.#client });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw connectionError(this.socket, error);
    }
  }

  async connect(): Promise<RawConn> {
    try {
      return await Deno.connect({ transport: "unix", path: this.socket });
    } catch (error) {
      throw connectionError(this.socket, error);
    }
  }

  close(): void {
    this.#client.close();
  }
}

/**
 * Explains why the socket could not be used, with the fix, as one line:
 * `Cannot connect to Docker socket "/var/run/docker.sock": no such file; start Docker ...`.
 */
export function connectionError(socket: string, error: unknown): DockerConnectionError {
  const text = errorText(error);
  let reason: string;
  if (error instanceof Deno.errors.NotFound || /os error 2\)/.test(text)) {
    reason =
      "no such file; start Docker (sudo systemctl start docker) or set DOCKER_HOST to the engine's socket";
  } else if (error instanceof Deno.errors.PermissionDenied || /os error 13\)/.test(text)) {
    reason =
      'permission denied; add your user to the "docker" group (sudo usermod -aG docker $USER, then log in again) or run as root';
  } else if (error instanceof Deno.errors.ConnectionRefused || /os error 111\)/.test(text)) {
    reason =
      "connection refused; no engine listens there: start Docker (sudo systemctl start docker)";
  } else {
    reason = text;
  }
  return new DockerConnectionError(
    `Cannot connect to Docker socket "${socket}": ${reason}`,
    socket,
    { cause: error },
  );
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 5; e = e.cause) {
    parts.push(e.message);
  }
  return parts.length > 0 ? parts.join(": ") : String(error);
}
