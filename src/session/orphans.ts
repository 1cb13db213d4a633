/** Finds and removes what sessions whose leash process died left behind (`leash clean`). */
import { join } from "node:path";
import type { DockerClient } from "../docker/mod.ts";
import { type ContainerSummary, listContainersByLabel } from "./docker_list.ts";
import { SESSION_LABEL } from "./containers.ts";
import { ownerAlive } from "./owner.ts";

/** A container of a session with no live owner. */
export interface Orphan {
  session: string;
  id: string;
  name: string;
}

/** Containers labelled `leash.session` whose session's leash process is gone. */
export async function findOrphans(
  client: DockerClient,
  stateDir: string,
  dockerHost?: string,
): Promise<Orphan[]> {
  const containers: ContainerSummary[] = await listContainersByLabel(
    client,
    SESSION_LABEL,
    dockerHost,
  );
  const alive = new Map<string, boolean>();
  const orphans: Orphan[] = [];
  for (const c of containers) {
    const session = c.Labels?.[SESSION_LABEL] ?? "";
    if (!alive.has(session)) {
      alive.set(session, await ownerAlive(join(stateDir, "sessions", session)));
    }
    if (!alive.get(session)) {
      orphans.push({ session, id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, "") });
    }
  }
  return orphans;
}
