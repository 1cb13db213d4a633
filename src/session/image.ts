/** The target image: whether it is there (leash never pulls), and who its command runs as. */
import { DockerApiError, type DockerClient, readTar } from "../docker/mod.ts";
import { imageNotFound } from "../boot/mod.ts";
import { containerNames, targetConfig, type TargetConfigOptions } from "./containers.ts";
import { resolveUser } from "./user.ts";

/** Inspects `image` in the local store: its USER; a `BootError` when it is missing. */
export async function inspectImage(docker: DockerClient, image: string): Promise<{ user: string }> {
  try {
    const info = await docker.images.inspect(image);
    return { user: typeof info.Config.User === "string" ? info.Config.User : "" };
  } catch (error) {
    if (error instanceof DockerApiError && error.status === 404) throw imageNotFound(image, error);
    throw error;
  }
}

/**
 * Resolves the user the command runs as to numeric uid:gid. Names are looked up in the
 * image's own /etc/passwd and /etc/group, read from a created (never started) container.
 */
export async function resolveImageUser(
  docker: DockerClient,
  spec: string,
  target: TargetConfigOptions,
): Promise<string | undefined> {
  let probe: string | undefined;
  try {
    return await resolveUser(spec, async (path) => {
      probe ??= (await docker.containers.create(targetConfig(target), {
        name: `${containerNames(target.sessionId).target}-user`,
      })).Id;
      try {
        const tar = readTar(await docker.containers.getArchive(probe, path));
        const file = tar.find((e) => e.type === "file");
        return file ? new TextDecoder().decode(file.data) : undefined;
      } catch (error) {
        if (error instanceof DockerApiError && error.status === 404) return undefined;
        throw error;
      }
    });
  } finally {
    if (probe) await docker.containers.remove(probe, { force: true }).catch(() => {});
  }
}
