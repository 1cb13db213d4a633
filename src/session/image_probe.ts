/**
 * The image's own filesystem seen through the engine: a container created from the image and
 * never started, whose paths the engine stats (`HEAD /containers/{id}/archive`). No root is
 * needed on the host (a docker-group user cannot read the target's `/proc/<pid>/root`), and
 * nothing of the image runs. Created on the first lookup, removed on dispose.
 */
import type { DockerClient } from "../docker/mod.ts";
import { containerNames, SESSION_LABEL } from "./containers.ts";
import type { ImageKind } from "./image_masks.ts";

/** Lazily created probe container of `image` for session `sessionId`. */
export class ImageProbe implements AsyncDisposable {
  #docker: DockerClient;
  #image: string;
  #sessionId: string;
  #id: Promise<string> | undefined;

  /** A probe of `image`; nothing is created until {@linkcode ImageProbe.kind} is called. */
  constructor(docker: DockerClient, image: string, sessionId: string) {
    this.#docker = docker;
    this.#image = image;
    this.#sessionId = sessionId;
  }

  /** What `path` is in the image, without following a final symlink. */
  async kind(path: string): Promise<ImageKind> {
    this.#id ??= this.#create();
    const stat = await this.#docker.containers.statPath(await this.#id, path);
    return stat?.kind ?? "missing";
  }

  async #create(): Promise<string> {
    const created = await this.#docker.containers.create({
      Image: this.#image,
      Entrypoint: ["/leash/bin/leash-entry"],
      Cmd: [],
      Labels: { [SESSION_LABEL]: this.#sessionId, "leash.role": "probe" },
      HostConfig: { NetworkMode: "none" },
    }, { name: `${containerNames(this.#sessionId).target}-probe` });
    return created.Id;
  }

  /** Removes the probe container, if one was created. */
  async [Symbol.asyncDispose](): Promise<void> {
    const id = await this.#id?.catch(() => undefined);
    if (id !== undefined) await this.#docker.containers.remove(id, { force: true }).catch(() => {});
  }
}
