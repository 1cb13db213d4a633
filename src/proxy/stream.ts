import type { Duplex, Readable, Writable } from "node:stream";
import { concatBytes } from "../bytes.ts";
import type { ReadProgress } from "./deno_conn.ts";

/** A stream ended before the expected bytes arrived. */
export class StreamEndedError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StreamEndedError";
  }
}

/** A head (request line or header block) longer than allowed. */
export class HeadTooLargeError extends RangeError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "HeadTooLargeError";
  }
}

function indexOfSeq(hay: Uint8Array, seq: number[], from: number): number {
  outer: for (let i = Math.max(0, from); i <= hay.length - seq.length; i++) {
    for (let j = 0; j < seq.length; j++) if (hay[i + j] !== seq[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Pull-style reader over a node Readable: bytes are only taken from the stream when asked
 * for (so backpressure reaches the sender), and can be pushed back with `unread`.
 */
export class StreamReader {
  readonly #stream: Readable;
  readonly #progress: ReadProgress | undefined;
  #pending: Uint8Array[] = [];
  #ended = false;
  #error: Error | undefined;
  #waiters: (() => void)[] = [];

  /** Starts reading `stream` (paused mode), reporting to `progress` (see readAheadGate). */
  constructor(stream: Readable, progress?: ReadProgress) {
    this.#stream = stream;
    this.#progress = progress;
    const wake = () => {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w();
    };
    stream.on("readable", wake);
    stream.on("end", () => {
      this.#ended = true;
      wake();
    });
    stream.on("close", () => {
      this.#ended = true;
      wake();
    });
    stream.on("error", (error: Error) => {
      this.#error = error;
      wake();
    });
  }

  /** The next bytes (at most `max`), or null at the end of the stream. */
  async read(max = Infinity): Promise<Uint8Array | null> {
    for (;;) {
      const head = this.#pending.shift();
      if (head) {
        if (head.length > max) {
          this.#pending.unshift(head.subarray(max));
          return head.subarray(0, max);
        }
        return head;
      }
      const chunk = this.#stream.read() as Uint8Array | null;
      if (chunk !== null) {
        this.#progress?.consumed(chunk.length);
        const bytes = chunk instanceof Uint8Array ? chunk : new TextEncoder().encode(chunk);
        if (bytes.length === 0) continue;
        this.#pending.push(bytes);
        continue;
      }
      if (this.#error) throw this.#error;
      if (this.#ended || this.#stream.destroyed) return null;
      this.#progress?.starving();
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /**
   * Whether bytes (or the end) arrive within `ms`, without consuming anything; `signal` ends the
   * wait early (false unless they arrived).
   */
  async waitData(ms: number, signal?: AbortSignal): Promise<boolean> {
    const ready = () =>
      this.#pending.length > 0 || this.#stream.readableLength > 0 || this.#ended ||
      this.#error !== undefined || this.#stream.destroyed;
    if (ready()) return true;
    if (signal?.aborted) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let abort: (() => void) | undefined;
    const woken = new Promise<boolean>((resolve) => this.#waiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
      abort = () => resolve(false);
      signal?.addEventListener("abort", abort, { once: true });
    });
    const result = await Promise.race([woken, timeout]);
    clearTimeout(timer);
    if (abort) signal?.removeEventListener("abort", abort);
    return result || ready();
  }

  /** Whether the stream ended, failed, or holds unread bytes (then it cannot start a new exchange). */
  get spent(): boolean {
    return this.#ended || this.#error !== undefined || this.#stream.destroyed ||
      this.#pending.length > 0 || this.#stream.readableLength > 0;
  }

  /** Whether the stream ended or failed with every byte taken from it consumed: nothing is left. */
  get exhausted(): boolean {
    return (this.#ended || this.#error !== undefined || this.#stream.destroyed) &&
      this.#pending.length === 0 && this.#stream.readableLength === 0;
  }

  /** Puts bytes back in front of the stream. */
  unread(bytes: Uint8Array): void {
    if (bytes.length > 0) this.#pending.unshift(bytes);
  }

  /** Bytes already taken from the stream but not consumed; clears them. */
  drain(): Uint8Array | undefined {
    if (this.#pending.length === 0) return undefined;
    const out = concatBytes(this.#pending);
    this.#pending = [];
    return out;
  }

  /**
   * Reads up to and including `delimiter`; null when the stream ends first with no bytes.
   * Throws HeadTooLargeError past `limit` bytes, StreamEndedError on a partial head.
   */
  async readUntil(delimiter: number[], limit: number): Promise<Uint8Array | null> {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      const chunk = await this.read();
      if (chunk === null) {
        if (length === 0) return null;
        throw new StreamEndedError("Cannot read head: the stream ended inside it");
      }
      const searchFrom = length - delimiter.length + 1;
      parts.push(chunk);
      length += chunk.length;
      const all = concatBytes(parts);
      parts.length = 0;
      parts.push(all);
      const at = indexOfSeq(all, delimiter, searchFrom);
      if (at >= 0) {
        const end = at + delimiter.length;
        if (end > limit) {
          throw new HeadTooLargeError(`Cannot read head: longer than ${limit} bytes`);
        }
        this.unread(all.subarray(end));
        return all.subarray(0, end);
      }
      if (length > limit) {
        throw new HeadTooLargeError(`Cannot read head: longer than ${limit} bytes`);
      }
    }
  }

  /** Reads exactly `n` bytes, or throws StreamEndedError. */
  async readExact(n: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < n) {
      const chunk = await this.read(n - got);
      if (chunk === null) throw new StreamEndedError(`Cannot read ${n} bytes: the stream ended`);
      parts.push(chunk);
      got += chunk.length;
    }
    return concatBytes(parts);
  }

  /** Stops listening to the stream (before handing it to another consumer). */
  detach(): void {
    this.#stream.removeAllListeners("readable");
  }
}

/** Writes `chunk`, resolving when the stream can take more (backpressure). */
export function writeAll(stream: Writable, chunk: Uint8Array | string): Promise<void> {
  if (stream.destroyed || stream.writableEnded) {
    return Promise.reject(new StreamEndedError("Cannot write: the stream is closed"));
  }
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      stream.off("drain", onDrain);
      stream.off("close", onClose);
      stream.off("error", done);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new StreamEndedError("Cannot write: the stream closed"));
    stream.on("drain", onDrain);
    stream.on("close", onClose);
    stream.on("error", done);
  });
}

/** Copies `from` to `to` until the end, then half-closes `to`; returns the bytes copied. */
export async function pump(from: StreamReader, to: Duplex | Writable): Promise<number> {
  let bytes = 0;
  for (;;) {
    const chunk = await from.read();
    if (chunk === null) break;
    bytes += chunk.length;
    await writeAll(to, chunk);
  }
  if (!to.destroyed && !to.writableEnded) to.end();
  return bytes;
}
