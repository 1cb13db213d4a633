/**
 * `file:` secret sources: a file other users can read is refused (its secret may have leaked
 * already, and leash would spread it) unless `LEASH_SECRET_FILE_ANY_MODE=1` says so.
 */

/** The setting that accepts group- or world-readable secret files. */
export const ANY_MODE_ENV = "LEASH_SECRET_FILE_ANY_MODE";

/** Largest secret file read (a token, a key: far smaller). */
const MAX_BYTES = 1 << 20;

/**
 * Reads a secret file through one descriptor (the mode checked is the mode of what is read);
 * throws {@linkcode LooseSecretFileError} when group or others may read it and `anyMode` is
 * false, `RangeError` past 1 MiB.
 */
export async function readSecretFile(path: string, anyMode: boolean): Promise<string> {
  using file = await Deno.open(path, { read: true });
  const stat = await file.stat();
  const mode = (stat.mode ?? 0) & 0o777;
  if (!anyMode && (mode & 0o044) !== 0) {
    throw new LooseSecretFileError(
      `mode ${
        mode.toString(8).padStart(4, "0")
      } lets other users read it: run chmod 600 "${path}", or set ${ANY_MODE_ENV}=1 to accept it`,
    );
  }
  const buffer = new Uint8Array(MAX_BYTES + 1);
  let used = 0;
  for (;;) {
    const n = await file.read(buffer.subarray(used));
    if (n === null) break;
    used += n;
    if (used > MAX_BYTES) throw new RangeError(`larger than ${MAX_BYTES} bytes`);
  }
  return new TextDecoder().decode(buffer.subarray(0, used));
}

/** A secret file readable by group or others. */
export class LooseSecretFileError extends Error {
  override name = "LooseSecretFileError";
}
