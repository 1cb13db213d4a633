/** Signals to `leash run` once the command started: passed on to the command in the target. */
import type { DockerClient } from "../docker/mod.ts";
import type { SessionSignal } from "./run_options.ts";

/**
 * SIGINT goes to the command; SIGTERM, or SIGHUP (the terminal is gone, nobody is left to
 * answer the command), stops the target. SIGWINCH is the caller's (a resize).
 */
export function forwardSignal(
  docker: DockerClient,
  target: string,
  signal: Exclude<SessionSignal, "SIGWINCH">,
): void {
  if (signal === "SIGINT") {
    docker.containers.kill(target, "SIGINT").catch(() => {});
  } else {
    docker.containers.stop(target, { timeout: 5 }).catch(() => {});
  }
}
