/**
 * The directories above a private one must not let anyone else swap it: a parent owned by
 * another user, or writable by others without the sticky bit, lets them rename our directory
 * away and put theirs (with their socket) in its place; a symlink lets them point it anywhere.
 */
import { dirname } from "node:path";

/** Options of {@linkcode assertSafeAncestors}. */
export interface SafeAncestorsOptions {
  /** The user who must own each component (or root). @default Deno.uid() */
  uid?: number | null;
  /**
   * The uid that stands for an owner this user namespace does not map (root's directories,
   * seen from `unshare --user`), counted as root; undefined outside a user namespace.
   * @default {@linkcode unmappedUid}()
   */
  unmapped?: number | undefined;
  /** What to do about it, appended to the message. */
  fix: string;
}

/**
 * Checks every existing component of `path` (itself included) from "/" down: no symlink,
 * owned by root or `uid`, and not writable by group or others unless sticky. Components
 * that do not exist yet are skipped (they will be created by us). Throws `TypeError` naming
 * the component, what is wrong and `fix`.
 */
export async function assertSafeAncestors(
  path: string,
  options: SafeAncestorsOptions,
): Promise<void> {
  const uid = options.uid === undefined ? Deno.uid() : options.uid;
  const unmapped = "unmapped" in options ? options.unmapped : await unmappedUid();
  const chain: string[] = [];
  for (let p = path;; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const component of chain) {
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.lstat(component);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw new Error(`Cannot inspect "${component}"`, { cause: error });
    }
    const refuse = (why: string) =>
      new TypeError(
        `Refusing to keep leash's sockets under "${path}": "${component}" ${why}; ${options.fix}`,
      );
    if (stat.isSymlink) throw refuse("is a symbolic link");
    if (!stat.isDirectory) throw refuse("is not a directory");
    const owner = stat.uid === unmapped ? 0 : stat.uid;
    if (uid !== null && owner !== null && owner !== 0 && owner !== uid) {
      throw refuse(`is owned by uid ${stat.uid}, neither you (uid ${uid}) nor root`);
    }
    const mode = stat.mode ?? 0;
    if ((mode & 0o022) !== 0 && (mode & 0o1000) === 0) {
      throw refuse(
        `is writable by ${mode & 0o002 ? "everyone" : "its group"} without the sticky bit`,
      );
    }
  }
}

/**
 * In a user namespace that does not map every uid, the overflow uid (`/proc/sys/kernel/
 * overflowuid`, 65534) that unmapped owners show as; undefined in the initial namespace.
 * Unmapped owners are taken for root: what a user namespace hides is the host's system dirs.
 */
export async function unmappedUid(): Promise<number | undefined> {
  try {
    const map = (await Deno.readTextFile("/proc/self/uid_map")).trim().split(/\s+/);
    if (map.length === 3 && map[0] === "0" && map[1] === "0" && map[2] === "4294967295") {
      return undefined;
    }
    return Number((await Deno.readTextFile("/proc/sys/kernel/overflowuid")).trim());
  } catch {
    return undefined;
  }
}
