import { dirname, join } from "node:path";
import { assertSafeAncestors, denoFs, ensurePrivateDir, type FsAdapter } from "../fs/mod.ts";
import type { SessionPaths } from "./paths.ts";

/**
 * Creates a session's directories with the modes of DESIGN.md §1: the session root, private
 * dir, socket dir and logs 0700; public (and public/bin) and drop 0755 so the target can read
 * them (and write drop as root).
 * An existing private dir (`LEASH_PRIVATE_DIR`) looser than 0700 is refused, never loosened.
 */
export async function createSessionDirs(
  paths: SessionPaths,
  fs: FsAdapter = denoFs,
): Promise<void> {
  const fix = "make it mode 0700 and owned by you, or choose another LEASH_PRIVATE_DIR";
  await ensurePrivateDir(paths.root, fix);
  await ensurePrivateDir(paths.private, fix);
  // The socket dir's parents (the /tmp/leash-<uid> fallback without XDG_RUNTIME_DIR) must
  // not be swappable by another user: every component is checked, not only the leaf.
  const runtime = dirname(paths.sockets);
  const runtimeFix =
    `remove it if it is not yours, or set XDG_RUNTIME_DIR to a directory only you control`;
  await assertSafeAncestors(runtime, { fix: runtimeFix });
  await ensurePrivateDir(runtime, runtimeFix);
  await ensurePrivateDir(paths.sockets, fix);
  await ensurePrivateDir(paths.logs, fix);
  // public/drop is only the mount point of the drop dir inside the read-only /leash; empty is
  // mounted over leash's own dirs in the target.
  const dirs = [paths.public, paths.publicBin, join(paths.public, "drop"), paths.drop, paths.empty];
  for (const dir of dirs) {
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o755 });
      await fs.chmod(dir, 0o755);
    } catch (error) {
      throw new Error(`Cannot create session directory "${dir}"`, { cause: error });
    }
  }
}
