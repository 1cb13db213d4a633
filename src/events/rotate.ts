/**
 * The session's events.ndjson with a size cap (README: LEASH_EVENTS_MAX_MB per file,
 * LEASH_EVENTS_FILES files): when the current file would pass the cap it becomes
 * events.ndjson.1 (older ones shift up), and the oldest beyond the count is deleted; the
 * events in it are counted as rotated away, so the loss shows in the drop counts.
 */

/** Options for {@linkcode RotatingLog}. */
export interface RotatingLogOptions {
  /** Bytes per file. @default 64 MiB */
  maxBytes?: number;
  /** Files kept, the current one included (1 = truncate in place). @default 4 */
  files?: number;
  /** Receives the number of events in each file deleted by rotation. */
  onDiscard?: (events: number) => void;
}

/** Default bytes per events file. */
export const EVENTS_MAX_BYTES = 64 * 1024 * 1024;
/** Default number of events files. */
export const EVENTS_FILES = 4;

/** An append-only NDJSON file that rotates by size; writes are synchronous (never queued). */
export class RotatingLog {
  readonly path: string;
  #file: Deno.FsFile;
  #size: number;
  #lines = 0;
  /** Lines in each rotated file, index 0 = path.1. */
  #rotatedLines: number[] = [];
  #maxBytes: number;
  #files: number;
  #onDiscard: (events: number) => void;
  #encoder = new TextEncoder();

  private constructor(path: string, file: Deno.FsFile, size: number, options: RotatingLogOptions) {
    this.path = path;
    this.#file = file;
    this.#size = size;
    this.#maxBytes = options.maxBytes ?? EVENTS_MAX_BYTES;
    this.#files = Math.max(1, options.files ?? EVENTS_FILES);
    this.#onDiscard = options.onDiscard ?? (() => {});
  }

  /** Opens (creates, 0600, appends to) `path`. */
  static async open(path: string, options: RotatingLogOptions = {}): Promise<RotatingLog> {
    const file = await Deno.open(path, { create: true, append: true, mode: 0o600 });
    const size = (await file.stat()).size;
    return new RotatingLog(path, file, size, options);
  }

  /** Appends one line (with its "\n"); throws what the file system throws. */
  write(line: string): void {
    const bytes = this.#encoder.encode(line);
    if (this.#size > 0 && this.#size + bytes.length > this.#maxBytes) this.#rotate();
    let written = 0;
    while (written < bytes.length) written += this.#file.writeSync(bytes.subarray(written));
    this.#size += bytes.length;
    this.#lines++;
  }

  /** Closes the current file. */
  close(): void {
    this.#file.close();
  }

  #rotate(): void {
    this.#file.close();
    if (this.#files === 1) {
      this.#onDiscard(this.#lines);
    } else {
      const oldest = `${this.path}.${this.#files - 1}`;
      if (this.#rotatedLines.length >= this.#files - 1) {
        Deno.removeSync(oldest);
        this.#onDiscard(this.#rotatedLines.pop()!);
      }
      for (let i = this.#rotatedLines.length; i >= 1; i--) {
        Deno.renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      }
      Deno.renameSync(this.path, `${this.path}.1`);
      this.#rotatedLines.unshift(this.#lines);
    }
    this.#file = Deno.openSync(this.path, {
      create: true,
      write: true,
      truncate: true,
      mode: 0o600,
    });
    this.#size = 0;
    this.#lines = 0;
  }
}

/**
 * The cap from the environment: `LEASH_EVENTS_MAX_MB` (a positive number of MiB) and
 * `LEASH_EVENTS_FILES` (a whole number from 1); throws RangeError naming a bad value.
 */
export function rotationFromEnv(env: (name: string) => string | undefined): RotatingLogOptions {
  const options: RotatingLogOptions = {};
  const mb = env("LEASH_EVENTS_MAX_MB");
  if (mb !== undefined && mb !== "") {
    const n = Number(mb);
    if (!Number.isFinite(n) || n <= 0) {
      throw new RangeError(
        `Cannot use LEASH_EVENTS_MAX_MB "${mb}": give a positive number of MiB (e.g. 64)`,
      );
    }
    options.maxBytes = Math.round(n * 1024 * 1024);
  }
  const files = env("LEASH_EVENTS_FILES");
  if (files !== undefined && files !== "") {
    const n = Number(files);
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `Cannot use LEASH_EVENTS_FILES "${files}": give a whole number of files from 1 (e.g. 4)`,
      );
    }
    options.files = n;
  }
  return options;
}
