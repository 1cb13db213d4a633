/** `leash clean`: removes what dead sessions left and manager images of other builds. */
import { join } from "node:path";
import { DockerApiError, type DockerClient } from "../docker/mod.ts";
import { denoFs, type FsAdapter } from "../fs/mod.ts";
import { MANAGER_LABEL, managerImageContext } from "../manager/mod.ts";
import { findOrphans } from "./orphans.ts";
import { removeOrphanVolumes } from "./orphan_volumes.ts";
import { ownerAlive } from "./owner.ts";
import type { LeashDirs } from "./paths.ts";

/** Options for {@linkcode cleanSessions}. */
export interface CleanOptions {
  /** Also delete the session dirs (logs included) of sessions that are not running. @default false */
  sessions?: boolean;
  /** The file system session dirs are read and removed through. @default {denoFs} */
  fs?: FsAdapter | undefined;
}

/** What {@linkcode cleanSessions} removed. */
export interface CleanReport {
  containers: string[];
  /** Volumes of dead sessions (the archive transport's). */
  volumes: string[];
  images: string[];
  socketDirs: string[];
  sessionDirs: string[];
  /** Manager images of other builds kept because containers still use them (other sessions). */
  kept: string[];
  /** Things that could not be removed, with why. */
  failures: string[];
}

/** Removes orphan containers, stale socket dirs, other manager images (and old sessions). */
export async function cleanSessions(
  client: DockerClient,
  dirs: LeashDirs,
  options: CleanOptions = {},
): Promise<CleanReport> {
  const report: CleanReport = {
    containers: [],
    volumes: [],
    images: [],
    socketDirs: [],
    sessionDirs: [],
    kept: [],
    failures: [],
  };
  for (const orphan of await findOrphans(client, dirs.state, options.fs)) {
    try {
      await client.containers.remove(orphan.id, { force: true });
      report.containers.push(orphan.name);
    } catch (error) {
      report.failures.push(`container "${orphan.name}": ${(error as Error).message}`);
    }
  }
  const volumes = await removeOrphanVolumes(client, dirs.state, options.fs);
  report.volumes.push(...volumes.removed);
  report.failures.push(...volumes.failures);
  const current = (await managerImageContext()).tag;
  for (const image of await client.images.list({ label: [MANAGER_LABEL] })) {
    const tags = image.RepoTags ?? [];
    if (tags.includes(current)) continue;
    try {
      await client.images.remove(image.Id, { force: false });
      report.images.push(tags[0] ?? image.Id);
    } catch (error) {
      // In use by containers of sessions this clean does not own (another user, another
      // XDG_STATE_HOME, a running older leash): theirs to remove, not a failure here.
      if (error instanceof DockerApiError && error.status === 409) {
        report.kept.push(tags[0] ?? image.Id);
      } else {
        report.failures.push(`image "${tags[0] ?? image.Id}": ${(error as Error).message}`);
      }
    }
  }
  await removeDeadSessionDirs(dirs, report, options);
  return report;
}

/**
 * Removes the socket dirs (and, with `sessions`, the session dirs) of sessions whose leash
 * process is gone, recording each in `report` (or why it could not be removed).
 */
export async function removeDeadSessionDirs(
  dirs: LeashDirs,
  report: Pick<CleanReport, "socketDirs" | "sessionDirs" | "failures">,
  options: CleanOptions = {},
): Promise<void> {
  const fs = options.fs ?? denoFs;
  const sessionsDir = join(dirs.state, "sessions");
  for (
    const [base, list] of [[dirs.runtime, report.socketDirs], [
      sessionsDir,
      report.sessionDirs,
    ]] as const
  ) {
    if (base === sessionsDir && !options.sessions) continue;
    let entries: Deno.DirEntry[] = [];
    try {
      entries = await Array.fromAsync(fs.readDir(base));
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (!entry.isDirectory || await ownerAlive(join(sessionsDir, entry.name), fs)) continue;
      try {
        await fs.remove(join(base, entry.name), { recursive: true });
        list.push(join(base, entry.name));
      } catch (error) {
        report.failures.push(`"${join(base, entry.name)}": ${(error as Error).message}`);
      }
    }
  }
}
