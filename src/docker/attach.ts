import { type EngineApi, pathPart } from "./_api.ts";
import { DemuxStream, type OutputChunk, RawOutputStream } from "./demux.ts";
import { writeAll } from "./hijack.ts";
import type { RawConn } from "./transport.ts";

/** Options of `containers.attach()`. */
export interface AttachOptions {
  /** Send input to the container (it needs `OpenStdin`). @default {true} */
  stdin?: boolean | undefined;
  /** @default {true} */
  stdout?: boolean | undefined;
  /** @default {true} */
  stderr?: boolean | undefined;
  /** Replay the output written before attaching. @default {false} */
  logs?: boolean | undefined;
  /** Whether the container has a TTY (raw output); looked up when absent. @default {inspected} */
  tty?: boolean | undefined;
  /**
   * TTY containers: the key sequence with which the engine detaches the client (Docker's
   * format, e.g. `ctrl-p,ctrl-q`), or null for none. The engine cannot switch detaching off
   * and holds back each key that starts its sequence until the next, so null asks for the
   * sequence 0xFF 0xFF, bytes no UTF-8 terminal sends: Ctrl-P reaches the container at once
   * and Ctrl-P Ctrl-Q does not cut the session's input. @default {null}
   */
  detachKeys?: string | null | undefined;
  /** Aborting closes the session; `output` then errors with the abort reason. */
  signal?: AbortSignal | undefined;
}

/** `detachKeys=` for no usable detach sequence: 0xFF,0xFF as raw bytes (not UTF-8). */
const NO_DETACH_KEYS = "detachKeys=%FF%2C%FF";

/**
 * A live, bidirectional connection to a container's stdio. Read `output` (labelled chunks: raw
 * for TTY containers, demultiplexed otherwise), `write()` input, `closeStdin()` to send end of
 * input, and `close()` (or `using`) to release the connection.
 */
export class AttachSession implements Disposable {
  /** Container output until the container's streams close. */
  readonly output: ReadableStream<OutputChunk>;
  #conn: RawConn;
  #closed = false;
  #signal: AbortSignal | undefined;
  #onAbort = () => this.#shutdown(this.#signal?.reason);
  #end: (reason?: unknown) => void = () => {};

  constructor(conn: RawConn, buffered: Uint8Array, tty: boolean, signal?: AbortSignal) {
    this.#conn = conn;
    this.#signal = signal;
    const raw = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#end = (reason) => {
          try {
            if (reason === undefined) controller.close();
            else controller.error(reason);
          } catch {
            // Already closed or cancelled.
          }
        };
        if (buffered.length > 0) controller.enqueue(buffered);
      },
      pull: async (controller) => {
        const buffer = new Uint8Array(32 * 1024);
        let n: number | null;
        try {
          n = await this.#conn.read(buffer);
        } catch (error) {
          this.#shutdown(error);
          return;
        }
        if (this.#closed) return;
        if (n === null) {
          this.#shutdown();
          return;
        }
        controller.enqueue(buffer.slice(0, n));
      },
      cancel: () => this.#shutdown(),
    }, { highWaterMark: 0 });
    this.output = raw.pipeThrough<OutputChunk>(tty ? new RawOutputStream() : new DemuxStream());
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Sends input to the container's stdin. */
  async write(data: Uint8Array | string): Promise<void> {
    if (this.#closed) {
      throw new Error("Cannot write to the attached container: the session is closed");
    }
    await writeAll(this.#conn, typeof data === "string" ? new TextEncoder().encode(data) : data);
  }

  /** Ends the container's stdin (like Ctrl-D on a pipe) while output keeps flowing. */
  async closeStdin(): Promise<void> {
    if (!this.#closed) await this.#conn.closeWrite();
  }

  /** Closes the connection; `output` ends. Safe to call more than once. */
  close(): void {
    this.#shutdown();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #shutdown(reason?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#end(reason);
    this.#conn.close();
  }
}

/** Sends the attach request and wraps the hijacked connection. */
export async function attachContainer(
  api: EngineApi,
  id: string,
  options: AttachOptions & { tty: boolean },
): Promise<AttachSession> {
  options.signal?.throwIfAborted();
  const detachKeys = options.tty ? options.detachKeys ?? null : undefined;
  const hijacked = await api.hijack("POST", `/containers/${pathPart(id)}/attach`, {
    query: {
      stream: true,
      stdin: options.stdin ?? true,
      stdout: options.stdout ?? true,
      stderr: options.stderr ?? true,
      logs: options.logs,
      ...(typeof detachKeys === "string" ? { detachKeys } : {}),
    },
    // Raw bytes cannot pass through the query encoder (it writes UTF-8).
    ...(detachKeys === null ? { rawQuery: NO_DETACH_KEYS } : {}),
  });
  return new AttachSession(hijacked.conn, hijacked.buffered, options.tty, options.signal);
}
