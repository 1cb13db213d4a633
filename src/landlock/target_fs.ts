/**
 * The target's filesystem as Landlock's carve-out enumeration sees it. Preferred: the
 * container's own view through `/proc/<pid>/root` (exact: image layers and bind mounts).
 * When the host process may not enter it (not root), paths under the target's bind mounts
 * are read on the host, and anything else is reported as an unreadable directory, so the
 * enumeration denies beneath it and says so (never grants what it could not see).
 */
import { join } from "node:path";
import type { LandlockFs } from "./ruleset.ts";

/** A bind mount of the target: host `source` at container `target`. */
export interface BindMount {
  source: string;
  target: string;
}

/** Parses `SRC:DST[:opts]` binds. */
export function parseBinds(binds: readonly string[]): BindMount[] {
  return binds.map((b) => {
    const [source = "", target = ""] = b.split(":");
    return { source, target };
  });
}

/** A LandlockFs over the container's root seen from the host (`/proc/<pid>/root`). */
export function rootLandlockFs(root: string): LandlockFs {
  return {
    async readDir(path) {
      try {
        const names: string[] = [];
        for await (const e of Deno.readDir(join(root, path))) names.push(e.name);
        return names;
      } catch {
        return undefined;
      }
    },
    async stat(path) {
      try {
        const info = await Deno.lstat(join(root, path));
        return info.isSymlink ? "symlink" : info.isDirectory ? "dir" : "file";
      } catch {
        return "missing";
      }
    },
    async readLink(path) {
      try {
        return await Deno.readLink(join(root, path));
      } catch {
        return undefined;
      }
    },
  };
}

/** The engine's stat of a target path: kind and symlink target; undefined when missing. */
export type PathStat = (
  path: string,
) => Promise<{ kind: "dir" | "file" | "symlink"; linkTarget: string } | undefined>;

/**
 * A LandlockFs that lists only bind-mounted paths; the rest reads as unreadable dirs. Other
 * paths are stat'ed through the engine when `engineStat` is given (so a symlink is never
 * granted as if it were a directory); what it does not know is taken for a directory.
 */
export function bindLandlockFs(binds: readonly BindMount[], engineStat?: PathStat): LandlockFs {
  const host = (path: string) => {
    const sorted = [...binds].sort((a, b) => b.target.length - a.target.length);
    for (const b of sorted) {
      if (path === b.target || path.startsWith(b.target + "/")) {
        return b.source + path.slice(b.target.length);
      }
    }
    return undefined;
  };
  const real = rootLandlockFs("/");
  return {
    readDir: (path) => {
      const p = host(path);
      return p === undefined ? Promise.resolve(undefined) : real.readDir(p);
    },
    stat: async (path) => {
      const p = host(path);
      if (p !== undefined) return await real.stat(p);
      // The engine sees the image and binds, not what the runtime mounts (/dev, /proc, /sys):
      // a path it does not find is left to leash-entry, which skips what is not there.
      if (!engineStat) return "dir";
      return (await engineStat(path))?.kind ?? "dir";
    },
    readLink: async (path) => {
      const p = host(path);
      if (p !== undefined) return await real.readLink!(p);
      const info = await engineStat?.(path);
      return info?.kind === "symlink" && info.linkTarget !== "" ? info.linkTarget : undefined;
    },
  };
}

/** The best LandlockFs for the target whose init is `pid` on the host. */
export async function targetLandlockFs(
  pid: number,
  binds: readonly BindMount[],
  engineStat?: PathStat,
): Promise<{ fs: LandlockFs; exact: boolean }> {
  const root = `/proc/${pid}/root`;
  try {
    for await (const _ of Deno.readDir(root)) break;
    return { fs: rootLandlockFs(root), exact: true };
  } catch {
    return { fs: bindLandlockFs(binds, engineStat), exact: false };
  }
}
