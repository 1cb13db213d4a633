/** The session's manager container: created to join the target's netns, then started and watched. */
import type { DockerClient } from "../docker/mod.ts";
import type { Redactor } from "../events/mod.ts";
import { createManagerContainer } from "../manager/mod.ts";
import { managerConfig } from "./containers.ts";
import { ExitWatch } from "./exit_watch.ts";
import { captureLogs, type LogCapture } from "./logs.ts";

/** What the manager container is made of. */
export interface ManagerCreateOptions {
  image: string;
  name: string;
  sessionId: string;
  /** The target container's id (the manager joins its network namespace). */
  target: string;
  /** The session's socket dir or volume (mounted into the manager only). */
  socketDir: string;
  /** Connect as the host dir's owner (false: a volume on the engine). @default true */
  ownerFromDir?: boolean | undefined;
  /** A rootless engine: it maps its user (the socket dir's owner) to the container's root. */
  rootless: boolean;
}

/**
 * Creates the manager container; resolves to its id. It connects to the sockets as the socket
 * dir's owner (a docker-group user's 0700 dir), except on a rootless engine.
 */
export async function createManager(
  docker: DockerClient,
  options: ManagerCreateOptions,
): Promise<string> {
  const { image, name, sessionId, target, socketDir } = options;
  const dir = options.ownerFromDir === false ? undefined : await Deno.stat(socketDir);
  const socketOwner = !dir || dir.uid === null || dir.gid === null || options.rootless
    ? undefined
    : { uid: dir.uid, gid: dir.gid };
  return await createManagerContainer(
    docker,
    managerConfig({ image, sessionId, target, socketDir, socketOwner }),
    { name },
  );
}

/** Starts the manager container, its logs copied (secrets masked) to `logPath` and its exit watched. */
export async function startManager(
  docker: DockerClient,
  id: string,
  logPath: string,
  redactor: Redactor,
): Promise<{ capture: LogCapture; watch: ExitWatch }> {
  await docker.containers.start(id);
  const capture = captureLogs(docker, id, logPath, redactor);
  // "not-running", not "next-exit": a manager that failed at once (a socket it cannot reach)
  // has exited before this request; "next-exit" would wait for an exit that never comes.
  return { capture, watch: new ExitWatch(docker, id, "not-running") };
}
