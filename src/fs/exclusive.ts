/**
 * Creation that two processes may race: an exclusive lock file held around a
 * check-then-create, and a write that never replaces an existing file (O_EXCL semantics) yet
 * is never seen half-written (temp file, fsync, then a hard link to the final name).
 */
import { basename, dirname, join } from "node:path";

/** Runs `fn` holding an exclusive `flock` on `lockPath` (created 0600 if absent). */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(lockPath, { read: true, write: true, create: true, mode: 0o600 });
  } catch (error) {
    throw new Error(`Cannot open lock file "${lockPath}"`, { cause: error });
  }
  try {
    await file.lock(true);
    return await fn();
  } finally {
    file.close(); // releases the lock
  }
}

/**
 * Writes `data` to `path` with `mode`, complete or not at all, and only if `path` does not
 * exist: throws `Deno.errors.AlreadyExists` when it does.
 */
export async function writeFileExclusive(
  path: string,
  data: string,
  mode: number,
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    const file = await Deno.open(temp, { write: true, createNew: true, mode });
    try {
      await Deno.chmod(temp, mode);
      const bytes = new TextEncoder().encode(data);
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.link(temp, path);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) throw error;
    throw new Error(`Cannot create "${path}"`, { cause: error });
  } finally {
    await Deno.remove(temp).catch(() => {});
  }
}
