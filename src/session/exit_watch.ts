/** A container's next exit, watched through the Docker API from before it could happen. */
import type { DockerClient } from "../docker/mod.ts";

/**
 * Watches container `id` for its next exit: `exit` resolves to the status (-1 when Docker lost
 * the container), and `status` holds it once it came.
 */
export class ExitWatch {
  /** Settles with the exit status; never rejects. */
  readonly exit: Promise<number>;
  #status: number | undefined;

  /**
   * Watches from now: "next-exit" for a container not yet started, "not-running" for one
   * started already (it may have exited before the request).
   */
  constructor(
    docker: DockerClient,
    id: string,
    condition: "next-exit" | "not-running" = "next-exit",
  ) {
    this.exit = docker.containers.wait(id, { condition })
      .then((r) => (this.#status = r.StatusCode), () => (this.#status = -1));
  }

  /** The exit status once the container stopped; undefined while it runs. */
  get status(): number | undefined {
    return this.#status;
  }
}
