/** What a session needs to know of its engine, and the target's pid as this host names it. */
import type { DockerClient, EngineProfile } from "../docker/mod.ts";
import { engineLimits, type LayerName } from "../posture/mod.ts";

/** The engine's facts for a session. */
export interface SessionEngine {
  /** Layers the engine cannot give (rootless), with why. */
  limits: Partial<Record<LayerName, string>>;
  /** Its root is the user (rootless): it maps the socket dir's owner to the container's root. */
  rootless: boolean;
  /** Its kernel is another one (a VM, another machine): its pids are not this host's. */
  remote: boolean;
}

/** Before the engine was asked. */
export const UNKNOWN_ENGINE: SessionEngine = { limits: {}, rootless: false, remote: false };

/** The facts of an engine's profile. */
export function sessionEngine(profile: EngineProfile): SessionEngine {
  return {
    limits: engineLimits(profile),
    rootless: profile.rootless,
    remote: profile.kind === "remote",
  };
}

/**
 * The target's init pid as this host's /proc names it, asked once. On another kernel it names
 * nothing here: 0 (/proc/0 does not exist, so every reader of /proc/<pid> falls back to what it
 * can see without it: the binds, the Engine API).
 */
export function targetPidOf(
  docker: DockerClient,
  engine: SessionEngine,
  target: string,
): () => Promise<number> {
  let pid: Promise<number> | undefined;
  return () =>
    pid ??= engine.remote
      ? Promise.resolve(0)
      : docker.containers.inspect(target).then((t) => t.State.Pid);
}
