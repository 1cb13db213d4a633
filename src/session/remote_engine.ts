/**
 * Sessions need the engine's filesystem to be this host's (bind mounts of the session's files
 * and sockets). Until the archive session transport exists (docs/remote_engines.md), a remote
 * engine is refused here, in one place, before anything is created.
 */
import type { EngineProfile } from "../docker/mod.ts";

/** Throws one line naming the engine and what is missing when `profile` is a remote engine. */
export function refuseRemoteEngine(profile: EngineProfile): void {
  if (profile.kind !== "remote") return;
  throw new Error(
    `Cannot run a session on the remote engine "${profile.transport}" (${profile.product}): its filesystem is not this host's and leash cannot yet stage its files and relay through the Engine API (the archive session transport is not built); use an engine on this host (unset DOCKER_HOST, or DOCKER_HOST=unix:///path/to/docker.sock); leash doctor works against it`,
  );
}
