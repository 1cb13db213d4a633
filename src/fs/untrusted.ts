/**
 * Reading files another party can write (the target's drop dir, DESIGN.md §3 "trust
 * direction"): never through a symlink, regular files only, never blocking on a FIFO or a
 * device, and bounded in size.
 */
import { constants } from "node:fs";
import { lstat, open } from "node:fs/promises";

/** What {@linkcode readUntrustedFile} refuses: a file that is not a plain, small, regular one. */
export class UntrustedFileError extends Error {
  override name = "UntrustedFileError";
}

/** Options of {@linkcode readUntrustedFile}. */
export interface ReadUntrustedOptions {
  /** Largest size accepted, in bytes. @default 65536 */
  maxBytes?: number;
}

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK |
  constants.O_NOCTTY;

/**
 * Reads `path` as UTF-8 text when it is a regular file of at most `maxBytes`; undefined when
 * nothing is there. Throws {@linkcode UntrustedFileError} for a symlink (its target is never
 * opened), a FIFO, socket, device or directory, or a larger file.
 */
export async function readUntrustedFile(
  path: string,
  options: ReadUntrustedOptions = {},
): Promise<string | undefined> {
  const max = options.maxBytes ?? 65536;
  // lstat first: a device node is never even opened (opening some has side effects).
  const before = await lstat(path).catch((error) => {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`Cannot inspect "${path}"`, { cause: error });
  });
  if (before === undefined) return undefined;
  if (!before.isFile()) throw untrustedNotRegular(path, kind(before));
  let handle;
  try {
    handle = await open(path, FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw untrustedNotRegular(path, "a symbolic link");
    throw new Error(`Cannot open "${path}"`, { cause: error });
  }
  try {
    const stat = await handle.stat();
    // Swapped between lstat and open: judge what was really opened.
    if (!stat.isFile()) throw untrustedNotRegular(path, kind(stat));
    if (stat.size > max) throw untrustedTooLarge(path, max);
    const buffer = new Uint8Array(max + 1);
    let used = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, used, buffer.length - used, null);
      if (bytesRead === 0) break;
      used += bytesRead;
      if (used > max) throw untrustedTooLarge(path, max);
    }
    return new TextDecoder().decode(buffer.subarray(0, used));
  } finally {
    await handle.close();
  }
}

function kind(stat: { isSymbolicLink(): boolean; isDirectory(): boolean; isFIFO(): boolean }) {
  if (stat.isSymbolicLink()) return "a symbolic link";
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO";
  return "a device or socket";
}

/** The refusal of an untrusted `path` that is `what` ("a FIFO"...), not a regular file. */
export function untrustedNotRegular(path: string, what: string): UntrustedFileError {
  return new UntrustedFileError(
    `Refusing to read "${path}": it is ${what}, not a regular file (written from inside the target)`,
  );
}

/** The refusal of an untrusted `path` larger than `max` bytes. */
export function untrustedTooLarge(path: string, max: number): UntrustedFileError {
  return new UntrustedFileError(
    `Refusing to read "${path}": larger than ${max} bytes (written from inside the target)`,
  );
}
