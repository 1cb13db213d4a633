/**
 * Deno's HTTP client speaks only to TCP or unix sockets it dials itself. A transport whose
 * connections are made another way (a child's pipes for ssh, a TLS socket leash checks itself)
 * serves a unix socket in a private directory (0700, made for this client, removed by
 * `close()`) and dials one connection of its own for each connection accepted there, copying
 * bytes both ways, half-closes included. Failures are kept so the request that saw a closed
 * connection can say why.
 */
import type { RawConn } from "./transport.ts";

/** Makes one connection to the engine. */
export type Dialer = () => Promise<RawConn>;

/** The private socket and the copying behind it. */
export class LocalBridge {
  /** The unix socket to point Deno's HTTP client at. */
  readonly path: string;
  #dir: string;
  #listener: Deno.Listener;
  #dial: Dialer;
  #failure: unknown;
  #waiters: (() => void)[] = [];
  #open = new Set<RawConn>();
  #closed = false;

  private constructor(dir: string, listener: Deno.Listener, dial: Dialer) {
    this.#dir = dir;
    this.path = `${dir}/engine.sock`;
    this.#listener = listener;
    this.#dial = dial;
    this.#accept();
  }

  /** Opens the socket; `dial` runs once per accepted connection. */
  static async open(dial: Dialer, prefix: string): Promise<LocalBridge> {
    const dir = await Deno.makeTempDir({ prefix });
    await Deno.chmod(dir, 0o700);
    const listener = Deno.listen({ transport: "unix", path: `${dir}/engine.sock` });
    return new LocalBridge(dir, listener, dial);
  }

  /** Records why a connection failed (a dialer may report a failure found later, e.g. ssh's exit). */
  fail(error: unknown): void {
    if (this.#closed) return;
    this.#failure = error;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /**
   * Takes the latest failure (a later request does not see it again); when there is none yet,
   * waits up to `waitMs` for one (the HTTP client can see the closed connection before the
   * dialer's error arrives).
   */
  async failure(waitMs: number): Promise<unknown> {
    if (this.#failure === undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
    }
    const failure = this.#failure;
    this.#failure = undefined;
    return failure;
  }

  /** Stops accepting, closes every copied connection and removes the directory. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const conn of this.#open) closeQuietly(conn);
    try {
      Deno.removeSync(this.#dir, { recursive: true });
    } catch {
      // Removed by someone else: nothing left to release.
    }
  }

  async #accept(): Promise<void> {
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

  async #serve(conn: Deno.Conn): Promise<void> {
    let engine: RawConn;
    try {
      engine = await this.#dial();
    } catch (error) {
      this.fail(error);
      conn.close();
      return;
    }
    this.#open.add(engine);
    this.#open.add(conn);
    // What the engine's side fails with (a TLS alert after the handshake, a reset) is kept.
    await Promise.all([copy(conn, engine), copy(engine, conn, (error) => this.fail(error))]);
    this.#open.delete(engine);
    this.#open.delete(conn);
    closeQuietly(engine);
    closeQuietly(conn);
  }
}

/**
 * Copies `from` to `to` until end of input, then half-closes `to`; errors end the copy, and
 * an error reading `from` goes to `onReadError`.
 */
async function copy(
  from: RawConn,
  to: RawConn,
  onReadError?: (error: unknown) => void,
): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  try {
    while (true) {
      let n: number | null;
      try {
        n = await from.read(buffer);
      } catch (error) {
        onReadError?.(error);
        throw error;
      }
      if (n === null) break;
      let written = 0;
      while (written < n) written += await to.write(buffer.subarray(written, n));
    }
    await to.closeWrite();
  } catch {
    // One side went away: closing both ends the other direction too.
    closeQuietly(from);
    closeQuietly(to);
  }
}

function closeQuietly(conn: RawConn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
