/** Finds and removes what sessions whose leash process died left behind (`leash clean`). */
import { join } from "node:path";
import type { ContainerSummary, DockerClient } from "../docker/mod.ts";
import { denoFs, type FsAdapter } from "../fs/mod.ts";
import { SESSION_LABEL } from "./containers.ts";
import { ownerAlive } from "./owner.ts";

/** A container of a session with no live owner. */
export interface Orphan {
  session: string;
  id: string;
  name: string;
}

/**
 * Whether session `id` is this state dir's and its leash process is gone. A session whose
 * dir is not under `stateDir` belongs to another user or `XDG_STATE_HOME`: its owner cannot
 * be checked from here, so it is never taken for an orphan (it may be running).
 */
export async function isOrphanSession(
  stateDir: string,
  id: string,
  fs: FsAdapter = denoFs,
): Promise<boolean> {
  if (id === "" || id.includes("/") || id.startsWith(".")) return false;
  const root = join(stateDir, "sessions", id);
  try {
    if (!(await fs.stat(root)).isDirectory) return false;
  } catch {
    return false;
  }
  return !await ownerAlive(root, fs);
}

/** Containers labelled `leash.session` of this state dir's sessions whose leash is gone. */
export async function findOrphans(
  client: DockerClient,
  stateDir: string,
  fs: FsAdapter = denoFs,
): Promise<Orphan[]> {
  const containers: ContainerSummary[] = await client.containers.list({
    all: true,
    filters: { label: [SESSION_LABEL] },
  });
  const kept = new Map<string, boolean>();
  const orphans: Orphan[] = [];
  for (const c of containers) {
    const session = c.Labels?.[SESSION_LABEL] ?? "";
    if (!kept.has(session)) {
      kept.set(session, !await isOrphanSession(stateDir, session, fs));
    }
    if (!kept.get(session)) {
      orphans.push({ session, id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, "") });
    }
  }
  return orphans;
}
