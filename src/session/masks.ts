/**
 * Masks over what a mount (the workspace, a `-v`) shows of leash's own files. The policy in
 * effect (issue 10 class 3) is bind-mounted read-only over itself: the agent may read it, never
 * change it. leash's own directories (the CA key and the trust store, session files with UI
 * tokens and logs, the sockets) are hidden under an empty read-only directory: the agent can
 * neither read nor change them. A read-only bind holds against root there (no CAP_SYS_ADMIN
 * to remount) and cannot be renamed or replaced.
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

/**
 * Binds of `empty` (an empty directory) over each of `dirs` wherever any mount of `mounts`
 * shows it, read-only or not. A mount whose source lies inside one of `dirs` (the workspace
 * or a `-v` there) is refused with `TypeError`: hiding it would hide the mount itself.
 */
export function hiddenDirMasks(
  dirs: readonly string[],
  mounts: readonly string[],
  empty: string,
): string[] {
  const binds: string[] = [];
  for (const dir of dirs) {
    for (const mount of mounts.map(parseMount)) {
      if (under(mount.source, dir)) {
        throw new TypeError(
          `Cannot mount "${mount.source}" into the agent's container: it is inside leash's own directory "${dir}" (CA key, sessions, sockets); run leash from, or mount, a directory outside it`,
        );
      }
      if (!under(dir, mount.source)) continue;
      const inside = mount.target + dir.slice(mount.source.replace(/\/$/, "").length);
      const bind = `${empty}:${inside}:ro`;
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

/** What {@linkcode trustedFileMasks} masks. */
export interface TrustedFileMasksOptions {
  /** The policy file in effect (undefined: the built-in policy). */
  policyPath: string | undefined;
  cwd: string;
  dirs: LeashDirs;
  /** `LEASH_PRIVATE_DIR`, when the CA key lives outside `dirs.data`. */
  privateDir?: string | undefined;
  /** `-v` mounts. */
  volumes: readonly string[];
  /** An empty directory of the session's, mounted over leash's own directories. */
  empty: string;
}

/**
 * The masks of one session: the policy file in effect read-only, and leash's data, state and
 * runtime dirs (and `LEASH_PRIVATE_DIR`) hidden, wherever the workspace or a `-v` mount shows
 * them. The trust store is created first: one made from inside while it did not exist could
 * forge trust.
 */
export async function trustedFileMasks(o: TrustedFileMasksOptions): Promise<string[]> {
  const store = trustStoreDir(o.dirs);
  await ensurePrivateDir(store, `run chmod 700 "${store}"`);
  const mounts = [`${o.cwd}:${o.cwd}`, ...o.volumes];
  const hidden = await existingRealPaths([o.dirs.data, o.dirs.state, o.dirs.runtime, o.privateDir]);
  const policy = await existingRealPaths([o.policyPath]);
  return [
    ...readOnlyMasks(policy.filter((p) => !hidden.some((dir) => under(p, dir))), mounts),
    ...hiddenDirMasks(hidden, mounts, o.empty),
  ];
}
