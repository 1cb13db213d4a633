/**
 * The image of the test's remote engine, made without any registry: a debootstrap rootfs with
 * Docker's engine (docker.io: dockerd, containerd, runc and the CLI that `docker system
 * dial-stdio` needs), iptables for its bridge network, and an sshd for `ssh://`. Imported
 * through leash's own client and tagged by a hash of the recipe (scripts/lib/debian_image.ts).
 */
import type { DockerClient } from "../../src/docker/mod.ts";
import {
  DEBIAN_RECIPE,
  type DebianRecipe,
  ensureDebianImage,
} from "../../scripts/lib/debian_image.ts";

/** What the remote engine's image is made from. */
export const DIND_RECIPE: DebianRecipe = {
  ...DEBIAN_RECIPE,
  include: ["ca-certificates", "docker.io", "iptables", "openssh-server", "procps"],
};

/** Builds the image once (debootstrap, about two minutes) and resolves to its tag. */
export async function ensureDindImage(docker: DockerClient): Promise<string> {
  return await ensureDebianImage(docker, {
    repository: "leash-test-dind",
    recipe: DIND_RECIPE,
    labels: { "leash.test": "remote" },
  });
}
