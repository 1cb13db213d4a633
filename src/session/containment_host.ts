/**
 * The host side of the containment decision: lstat of the bind sources, and the image's own
 * paths through a probe container.
 */
import type { DockerClient } from "../docker/mod.ts";
import type { PolicyIr } from "../policy/mod.ts";
import { containBinds, type Containment, decideContainment, type HostKind } from "./containment.ts";
import { ImageProbe } from "./image_probe.ts";
import type { RunOptions } from "./run_options.ts";

/** What `path` is on the host, without following a final symlink; throws when it cannot tell. */
export async function hostKind(path: string): Promise<HostKind> {
  try {
    const info = await Deno.lstat(path);
    return info.isSymlink ? "symlink" : info.isDirectory ? "dir" : "file";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw new Error(`Cannot stat "${path}"`, { cause: error });
  }
}

/** The session's containment: its binds judged on the host, the image's paths through a probe. */
export async function sessionContainment(
  docker: DockerClient,
  options: RunOptions,
  input: { ir: PolicyIr; cwd: string; sessionId: string },
): Promise<Containment> {
  await using probe = new ImageProbe(docker, options.image, input.sessionId);
  return await decideContainment({
    ir: input.ir,
    mode: options.mode,
    binds: containBinds(input.cwd, options.volumes),
    hostKind,
    imageKind: (path) => probe.kind(path),
  });
}
