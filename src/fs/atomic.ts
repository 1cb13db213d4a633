import { basename, dirname, join } from "node:path";

/** Options for {@linkcode writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** File mode of the result. @default 0o644 */
  mode?: number;
}

/**
 * Writes `data` to `path` so readers see either the old file or the whole new one:
 * temp file in the same directory, write, fsync, close, rename, fsync the directory (so the
 * rename itself survives a crash); each step says what failed.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o644;
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const temp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(temp, { write: true, createNew: true, mode });
  } catch (error) {
    throw new Error(`Cannot create temporary file "${temp}" for "${path}"`, { cause: error });
  }
  try {
    try {
      await Deno.chmod(temp, mode);
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    } catch (error) {
      throw new Error(`Cannot write "${temp}"`, { cause: error });
    }
    try {
      await file.sync();
    } catch (error) {
      throw new Error(`Cannot fsync "${temp}"`, { cause: error });
    }
  } catch (error) {
    file.close();
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  file.close();
  try {
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw new Error(`Cannot rename "${temp}" to "${path}"`, { cause: error });
  }
  await syncDirectory(dirname(path));
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch (error) {
    throw new Error(`Cannot fsync directory "${dir}"`, { cause: error });
  } finally {
    handle?.close();
  }
}
