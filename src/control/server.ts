/** The host's control.sock listener: accepts the manager's one connection. */
import { ControlChannel, type ControlChannelOptions } from "./channel.ts";
import { ControlError } from "./errors.ts";

/** Options for {@linkcode ControlServer.accept}. */
export interface AcceptOptions extends ControlChannelOptions {
  /** Give up after this many milliseconds. @default no limit */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Listens on a unix socket (mode 0600) for the manager. */
export class ControlServer {
  /** The socket's path. */
  readonly path: string;
  #listener: Deno.UnixListener;

  private constructor(path: string, listener: Deno.UnixListener) {
    this.path = path;
    this.#listener = listener;
  }

  /** Listens on `path`, replacing a stale socket left there. */
  static async listen(path: string): Promise<ControlServer> {
    try {
      if ((await Deno.lstat(path)).isSocket) await Deno.remove(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    let listener: Deno.UnixListener;
    try {
      listener = Deno.listen({ transport: "unix", path });
      await Deno.chmod(path, 0o600);
    } catch (error) {
      throw new Error(`Cannot listen on control socket "${path}"`, { cause: error });
    }
    return new ControlServer(path, listener);
  }

  /** Accepts the next connection as a channel; rejects with `ControlError` ("timeout"). */
  async accept(options: AcceptOptions = {}): Promise<ControlChannel> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stops: Promise<never>[] = [];
    let onAbort: (() => void) | undefined;
    if (options.timeoutMs !== undefined) {
      stops.push(
        new Promise<never>((_, reject) => {
          timer = setTimeout(() =>
            reject(
              new ControlError(
                `Cannot get the manager's control connection: none within ${
                  options.timeoutMs! / 1000
                } s`,
                "timeout",
              ),
            ), options.timeoutMs);
        }),
      );
    }
    if (options.signal) {
      const signal = options.signal;
      stops.push(
        new Promise<never>((_, reject) => {
          onAbort = () => reject(signal.reason);
          if (signal.aborted) onAbort();
          else signal.addEventListener("abort", onAbort, { once: true });
        }),
      );
    }
    const accepting = this.#listener.accept();
    try {
      const conn = await Promise.race([accepting, ...stops]);
      return new ControlChannel(conn, options);
    } catch (error) {
      accepting.then((conn) => conn.close(), () => {});
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Stops listening and removes the socket file. */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    await Deno.remove(this.path).catch(() => {});
  }
}
