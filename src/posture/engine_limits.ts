/**
 * Layers an engine cannot provide, whatever the host kernel offers. A rootless engine (Docker
 * or Podman) runs containers in a user namespace owned by your user: the manager's
 * capabilities (CAP_BPF, CAP_SYS_ADMIN, ...) exist only there, and the kernel loads eBPF
 * programs and attaches them to cgroups only for capabilities in its own namespace; nor does
 * such an engine give containers a cgroup of their own on a cgroup v1 host. The target's
 * netns (only lo, the relay through the shared namespace), the host proxy and Landlock (which
 * needs no privilege) are unaffected.
 */
import type { EngineProfile } from "../docker/mod.ts";
import type { LayerName } from "./layers.ts";

/** The manager's eBPF layers, which a rootless engine cannot give. */
const KERNEL_LAYERS: readonly LayerName[] = ["kernel-lsm", "cgroup-net", "observe"];

/** What to do to get the kernel layers back on a rootless engine. */
export const ROOTLESS_FIX =
  "for the eBPF layers use a rootful engine (the system's dockerd, as root or a member of the docker group, or rootful Podman); netns, proxy and landlock stay on";

/** Per layer the engine cannot provide: why not (empty for a rootful local engine); pure. */
export function engineLimits(
  profile: Pick<EngineProfile, "kind" | "product" | "rootless">,
): Partial<Record<LayerName, string>> {
  if (!profile.rootless) return {};
  const engine = profile.kind === "podman-rootless" ? "rootless Podman" : "rootless Docker";
  const why =
    `the engine is ${engine} (${profile.product}): the manager's capabilities exist only in its user namespace; the kernel loads eBPF programs only for the host's`;
  return Object.fromEntries(KERNEL_LAYERS.map((name) => [name, why]));
}
