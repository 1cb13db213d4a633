/**
 * Who owns the agent's login state on the host after an `--agent-home mount` session: the
 * agent runs as root in its container, so with a rootful engine what it creates or replaces in
 * the host's `~/.claude/` (sessions, projects, a file it rewrote atomically) belongs to root. A
 * leash run by a user in the docker group then leaves files in that user's own home they cannot
 * read or change (their own `claude` fails on them); leash gives them back through the engine.
 */
import { join } from "node:path";

/**
 * Whether anything at or under `paths` (not following symlinks) is owned by `uid`; a
 * directory that cannot be read is judged by its own owner. Missing paths are skipped.
 */
export async function ownedBy(paths: readonly string[], uid: number): Promise<boolean> {
  for (const path of paths) {
    if (await treeOwnedBy(path, uid)) return true;
  }
  return false;
}

async function treeOwnedBy(path: string, uid: number): Promise<boolean> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  if (info.uid === uid) return true;
  if (!info.isDirectory) return false;
  try {
    for await (const entry of Deno.readDir(path)) {
      if (await treeOwnedBy(join(path, entry.name), uid)) return true;
    }
  } catch (error) {
    if (error instanceof Deno.errors.PermissionDenied) return false;
    throw error;
  }
  return false;
}
