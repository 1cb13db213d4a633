/**
 * Gives the user running leash back what the agent left as root's in their login state after
 * an `--agent-home mount` session (src/agents/home_owner.ts says why): a one-shot container of
 * the agent's image, each path bound in, changes the owner of root's entries (symlinks
 * themselves, never their targets) to the user's uid and gid.
 */
import type { DockerClient } from "../docker/mod.ts";

/** Where the paths are bound in the container: `/leash-agent-home/0`, `/1`, ... */
const MOUNT = "/leash-agent-home";

/** Makes `uid:gid` the owner of what root owns at or under `paths`, through `image`. */
export async function giveBackAsRoot(
  docker: DockerClient,
  image: string,
  paths: string[],
  owner: { uid: number; gid: number },
): Promise<void> {
  const ids = `${owner.uid}:${owner.gid}`;
  const { Id } = await docker.containers.create({
    Image: image,
    Entrypoint: [
      "find",
      MOUNT,
      "-mindepth",
      "1",
      "-user",
      "0",
      "-exec",
      "chown",
      "-h",
      ids,
      "{}",
      "+",
    ],
    Cmd: [],
    User: "0:0",
    Labels: { "leash.agent-home-owner": "1" },
    HostConfig: { Binds: paths.map((p, i) => `${p}:${MOUNT}/${i}`), NetworkMode: "none" },
  });
  try {
    await docker.containers.start(Id);
    const { StatusCode } = await docker.containers.wait(Id);
    if (StatusCode !== 0) {
      throw new Error(
        `Cannot give the agent's login state back to uid ${owner.uid}: the container that changes its owner exited with status ${StatusCode}; change it as root: sudo chown -R ${ids} ${
          paths.join(" ")
        }`,
      );
    }
  } finally {
    await docker.containers.remove(Id, { force: true }).catch(() => {});
  }
}
