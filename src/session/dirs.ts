import { denoFs, ensurePrivateDir, type FsAdapter } from "../fs/mod.ts";
import type { SessionPaths } from "./paths.ts";

/**
 * Creates a session's directories with the modes of DESIGN.md §1: the session root, private
 * dir, socket dir and logs 0700; public (and public/bin) 0755 so the containers can read it.
 * An existing private dir (`LEASH_PRIVATE_DIR`) looser than 0700 is refused, never loosened.
 */
export async function createSessionDirs(
  paths: SessionPaths,
  fs: FsAdapter = denoFs,
): Promise<void> {
  const fix = "make it mode 0700 and owned by you, or choose another LEASH_PRIVATE_DIR";
  await ensurePrivateDir(paths.root, fix);
  await ensurePrivateDir(paths.private, fix);
  await ensurePrivateDir(paths.sockets, fix);
  await ensurePrivateDir(paths.logs, fix);
  for (const dir of [paths.public, paths.publicBin]) {
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o755 });
      await fs.chmod(dir, 0o755);
    } catch (error) {
      throw new Error(`Cannot create session directory "${dir}"`, { cause: error });
    }
  }
}
