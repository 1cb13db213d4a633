/** Checks on files and directories that hold secrets (CA key, sockets). */

/** A file or directory whose permissions would let others read what it protects. */
export class LoosePermissionsError extends Error {
  override name = "LoosePermissionsError";
}

/**
 * Throws {@linkcode LoosePermissionsError} when `stat` grants more than `max` mode bits or
 * belongs to another user; `fix` tells the user what to do.
 */
export function assertPrivate(path: string, stat: Deno.FileInfo, max: number, fix: string): void {
  const mode = (stat.mode ?? 0) & 0o777;
  if ((mode & ~max) !== 0) {
    throw new LoosePermissionsError(
      `Refusing to use "${path}": mode ${octal(mode)} lets others read it (at most ${
        octal(max)
      } allowed); ${fix}`,
    );
  }
  const uid = Deno.uid();
  if (uid !== null && stat.uid !== null && stat.uid !== uid) {
    throw new LoosePermissionsError(
      `Refusing to use "${path}": owned by uid ${stat.uid}, not by you (uid ${uid}); ${fix}`,
    );
  }
}

/** Creates `dir` (and parents) with mode 0700, or checks an existing one is private. */
export async function ensurePrivateDir(dir: string, fix: string): Promise<void> {
  const stat = await lstatOrUndefined(dir);
  if (!stat) {
    try {
      await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
      await Deno.chmod(dir, 0o700);
    } catch (error) {
      throw new Error(`Cannot create private directory "${dir}"`, { cause: error });
    }
    return;
  }
  if (!stat.isDirectory) throw new TypeError(`Cannot use "${dir}" as a directory: it is not one`);
  assertPrivate(dir, stat, 0o700, fix);
}

/** `Deno.lstat`, or undefined when nothing is there. */
export async function lstatOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new Error(`Cannot inspect "${path}"`, { cause: error });
  }
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}
