/**
 * Read-only masks (issue 10 class 3): files leash trusts across sessions (the policy in effect,
 * the trust store) must not be writable from inside when a mount (the workspace, a `-v`)
 * exposes them. Each is bind-mounted read-only over itself in the target; a read-only bind
 * holds against root there (no CAP_SYS_ADMIN to remount) and cannot be renamed or replaced.
 */
import { ensurePrivateDir } from "../fs/mod.ts";
import type { LeashDirs } from "./paths.ts";
import { trustStoreDir } from "./policy_trust.ts";

/** One `SRC:DST[:opts]` mount of the target. */
interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

function parseMount(spec: string): Mount {
  const [source = "", target = "", options = ""] = spec.split(":");
  return { source, target, readOnly: options.split(",").includes("ro") };
}

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}

/**
 * The extra binds (`PATH:TARGET_PATH:ro`) that make each of `paths` (absolute, existing, real)
 * read-only wherever a writable mount of `mounts` shows it in the target.
 */
export function readOnlyMasks(paths: readonly string[], mounts: readonly string[]): string[] {
  const binds: string[] = [];
  for (const path of paths) {
    for (const mount of mounts.map(parseMount)) {
      if (mount.readOnly || !under(path, mount.source)) continue;
      const inside = mount.target + path.slice(mount.source.replace(/\/$/, "").length);
      const bind = `${path}:${inside}:ro`;
      if (!binds.includes(bind)) binds.push(bind);
    }
  }
  return binds;
}

/** The real paths of those of `paths` that exist (a mask needs something to mount). */
export async function existingRealPaths(paths: readonly (string | undefined)[]): Promise<string[]> {
  const real: string[] = [];
  for (const path of paths) {
    if (path === undefined) continue;
    try {
      real.push(await Deno.realPath(path));
    } catch {
      // Not there: nothing to protect (and a new one is untrusted anyway).
    }
  }
  return real;
}

/**
 * The masks of one session: the policy file in effect and leash's data dir (the trust store,
 * the CA), wherever the workspace or a `-v` mount shows them writable. The trust store is
 * created first: one made from inside while it did not exist could forge trust.
 */
export async function trustedFileMasks(
  policyPath: string | undefined,
  io: { cwd: string; dirs: Pick<LeashDirs, "data"> },
  volumes: readonly string[],
): Promise<string[]> {
  const store = trustStoreDir(io.dirs);
  await ensurePrivateDir(store, `run chmod 700 "${store}"`);
  const paths = await existingRealPaths([policyPath, io.dirs.data]);
  return readOnlyMasks(paths, [`${io.cwd}:${io.cwd}`, ...volumes]);
}
