/** Splits a byte stream into lines of text ("\n"-terminated, UTF-8), bounded in length. */

import { concatBytes } from "../bytes.ts";

/** Options for {@linkcode LineSplitter}. */
export interface LineSplitterOptions {
  /** Longest line accepted, in bytes. @default 16 MiB (policy maps travel in one line) */
  maxBytes?: number;
}

/** Feeds bytes in, gets complete lines out; a line longer than the limit throws `RangeError`. */
export class LineSplitter {
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #decoder = new TextDecoder();
  #max: number;

  constructor(options: LineSplitterOptions = {}) {
    this.#max = options.maxBytes ?? 16 * 1024 * 1024;
  }

  /** Adds `chunk` and returns the lines it completed, without their "\n". */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      const part = chunk.subarray(start, nl);
      this.#check(part.length);
      this.#pending.push(part);
      lines.push(this.#decoder.decode(concatBytes(this.#pending)));
      this.#pending = [];
      this.#pendingBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.slice(start);
      this.#check(rest.length);
      this.#pending.push(rest);
      this.#pendingBytes += rest.length;
    }
    return lines;
  }

  /** Bytes received after the last complete line. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  #check(more: number): void {
    if (this.#pendingBytes + more > this.#max) {
      throw new RangeError(`Cannot read control line: longer than ${this.#max} bytes`);
    }
  }
}
