/**
 * Removes what the agent left in an `--agent-home copy` when leash itself cannot: the agent runs
 * as root in its container, so the directories it creates in the copy belong to root on the
 * host, and a leash run by a user in the docker group gets EACCES removing them. The engine can:
 * a one-shot container of the agent's image, the copy bound in, empties it as root; leash then
 * removes the (emptied) copy it owns.
 */
import type { DockerClient } from "../docker/mod.ts";

/** Where the copy is bound in the removal container. */
const MOUNT = "/leash-agent-home";

/** Empties `dir` as root through a container of `image` (which must have `find`). */
export async function emptyAsRoot(docker: DockerClient, image: string, dir: string): Promise<void> {
  const { Id } = await docker.containers.create({
    Image: image,
    Entrypoint: ["find", MOUNT, "-mindepth", "1", "-delete"],
    Cmd: [],
    User: "0:0",
    Labels: { "leash.agent-home-removal": "1" },
    HostConfig: { Binds: [`${dir}:${MOUNT}`], NetworkMode: "none" },
  });
  try {
    await docker.containers.start(Id);
    const { StatusCode } = await docker.containers.wait(Id);
    if (StatusCode !== 0) {
      throw new Error(
        `Cannot remove the agent's home copy "${dir}": the removal container exited with status ${StatusCode}; remove it as root: sudo rm -rf ${dir}`,
      );
    }
  } finally {
    await docker.containers.remove(Id, { force: true }).catch(() => {});
  }
}
