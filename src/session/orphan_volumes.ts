/** `leash clean`'s part for the archive transport: volumes of sessions whose leash is gone. */
import type { DockerClient } from "../docker/mod.ts";
import { denoFs, type FsAdapter } from "../fs/mod.ts";
import { SESSION_LABEL } from "./containers.ts";
import { isOrphanSession } from "./orphans.ts";

/**
 * Removes volumes labelled `leash.session` of this state dir's dead sessions (run after their
 * containers are gone); resolves to the names removed and the failures, with why.
 */
export async function removeOrphanVolumes(
  client: DockerClient,
  stateDir: string,
  fs: FsAdapter = denoFs,
): Promise<{ removed: string[]; failures: string[] }> {
  const out = { removed: [] as string[], failures: [] as string[] };
  const dead = new Map<string, boolean>();
  for (const volume of await client.volumes.list([SESSION_LABEL])) {
    const session = volume.Labels?.[SESSION_LABEL] ?? "";
    if (!dead.has(session)) dead.set(session, await isOrphanSession(stateDir, session, fs));
    if (!dead.get(session)) continue;
    try {
      await client.volumes.remove(volume.Name, { force: true });
      out.removed.push(volume.Name);
    } catch (error) {
      out.failures.push(`volume "${volume.Name}": ${(error as Error).message}`);
    }
  }
  return out;
}
