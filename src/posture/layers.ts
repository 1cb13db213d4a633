import { engineLimits, ROOTLESS_FIX } from "./engine_limits.ts";
import type { HostFacts } from "./facts.ts";

/** The enforcement layers of DESIGN.md §2, in report order. */
export const LAYER_NAMES = [
  "kernel-lsm",
  "cgroup-net",
  "landlock",
  "netns",
  "proxy",
  "observe",
] as const;

/** A layer's name. */
export type LayerName = typeof LAYER_NAMES[number];

/** How much of a layer this host can provide. */
export type LayerStatus = "active" | "degraded" | "off";

/** One layer's assessment: status, why, and how to get more. */
export interface LayerPosture {
  name: LayerName;
  status: LayerStatus;
  reason: string;
  /** What the user can do to improve it; empty when nothing is needed. */
  fix: string;
}

/** Assesses every layer from the measured host facts; pure. */
export function assessLayers(facts: HostFacts): LayerPosture[] {
  const engine = facts.docker.reachable ? facts.docker.engine : undefined;
  const limits = engine ? engineLimits(engine) : {};
  const limited = (assessed: LayerPosture): LayerPosture => {
    const why = limits[assessed.name];
    return why === undefined ? assessed : layer(assessed.name, "off", why, ROOTLESS_FIX);
  };
  return [
    kernelLsm(facts),
    cgroupNet(facts),
    landlock(facts),
    netns(facts),
    proxy(),
    observe(facts),
  ].map(limited);
}

function layer(name: LayerName, status: LayerStatus, reason: string, fix = ""): LayerPosture {
  return { name, status, reason, fix };
}

/** A probe result for one program type, or why it is unknown. */
function probed(facts: HostFacts, type: string): { ok: boolean; detail: string } | undefined {
  if (!facts.probe.ran) return undefined;
  const result = facts.probe.results[type];
  if (result === undefined) return undefined;
  return { ok: result === "ok", detail: result };
}

function unverified(facts: HostFacts, what: string): string {
  const why = facts.probe.ran ? `the probe did not test ${what}` : facts.probe.reason;
  return `unverified: ${what} were not loaded on this host (${why})`;
}

function probeFix(facts: HostFacts): string {
  return facts.probe.ran ? "" : facts.probe.fix;
}

function kernelLsm(facts: HostFacts): LayerPosture {
  const name = "kernel-lsm";
  const { list, source } = facts.lsm;
  if (list && !list.includes("bpf")) {
    return layer(
      name,
      "off",
      `BPF LSM is not enabled: the LSM list (${source}) is "${list.join(",")}"`,
      `boot with lsm=${[...list, "bpf"].join(",")} on the kernel command line (GRUB_CMDLINE_LINUX)`,
    );
  }
  if (!facts.btf) {
    return layer(
      name,
      "off",
      "no kernel BTF at /sys/kernel/btf/vmlinux",
      "use a kernel built with CONFIG_DEBUG_INFO_BTF=y",
    );
  }
  const result = probed(facts, "lsm");
  if (result?.ok) return layer(name, "active", "BPF LSM programs load and attach");
  if (result) {
    return layer(
      name,
      "off",
      `BPF LSM programs are refused by this kernel (${result.detail})` +
        (list ? ` although bpf is in the LSM list` : ""),
      "run on a host whose kernel allows BPF LSM attachment (some VMs and hardened kernels refuse it); file and exec policy falls back to landlock",
    );
  }
  return layer(name, "off", unverified(facts, "BPF LSM programs"), probeFix(facts));
}

function cgroupNet(facts: HostFacts): LayerPosture {
  const name = "cgroup-net";
  const { layout } = facts.cgroup;
  if (layout === "v1-only" || layout === "none") {
    return layer(
      name,
      "off",
      `no cgroup v2 hierarchy (layout: ${layout})`,
      "boot with systemd.unified_cgroup_hierarchy=1, or mount cgroup2 (mount -t cgroup2 none /sys/fs/cgroup/unified)",
    );
  }
  const result = probed(facts, "cgroup");
  if (result?.ok) return layer(name, "active", `cgroup eBPF programs attach (${layout})`);
  if (result) {
    return layer(
      name,
      "off",
      `cgroup eBPF programs are refused (${result.detail})`,
      "give the manager CAP_BPF and CAP_NET_ADMIN (no seccomp profile blocking bpf())",
    );
  }
  return layer(name, "off", unverified(facts, "cgroup eBPF programs"), probeFix(facts));
}

function landlock(facts: HostFacts): LayerPosture {
  const name = "landlock";
  const abi = facts.landlockAbi;
  if (abi === null) return layer(name, "off", `unverified: ${facts.landlockNote}`, "");
  if (abi < 1) {
    return layer(
      name,
      "off",
      `Landlock is not available: ${facts.landlockNote}`,
      "use Linux 5.13+ with CONFIG_SECURITY_LANDLOCK=y and landlock in lsm=",
    );
  }
  if (abi < 3) {
    const missing = abi < 2
      ? "file reparenting (ABI 2) and truncation (ABI 3)"
      : "truncation (ABI 3)";
    return layer(
      name,
      "degraded",
      `Landlock ABI ${abi}: ${missing} are not governed${ofThisHost(facts)}`,
      "use Linux 6.2 or newer for Landlock ABI 3",
    );
  }
  return layer(name, "active", `Landlock ABI ${abi}${ofThisHost(facts)}`);
}

/**
 * On an engine of another kernel the ABI leash measured is this host's, not the engine's:
 * said so (leash-entry applies what the engine's kernel has and refuses to start without it).
 */
function ofThisHost(facts: HostFacts): string {
  const engine = facts.docker.reachable ? facts.docker.engine : undefined;
  return engine?.kind === "remote"
    ? " on this host; the remote engine's kernel is not asked (leash-entry applies what it has there and fails closed without Landlock)"
    : "";
}

function netns(facts: HostFacts): LayerPosture {
  if (!facts.docker.reachable) {
    return layer(
      "netns",
      "off",
      `Docker is not reachable at "${facts.docker.socket}": ${facts.docker.error}`,
      /^(tcp|ssh):\/\//.test(facts.docker.socket)
        ? "do what the reason says (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, ssh), or unset DOCKER_HOST for the local engine"
        : "start Docker (sudo systemctl start docker) or set DOCKER_HOST=unix:///path/to/docker.sock",
    );
  }
  return layer(
    "netns",
    "active",
    "targets run with --network none (only lo); egress only via the relay",
  );
}

function proxy(): LayerPosture {
  return layer("proxy", "active", "the host proxy needs nothing from the kernel");
}

function observe(facts: HostFacts): LayerPosture {
  const name = "observe";
  // The observers are BTF tracepoints (tp_btf): they need kernel BTF, not a tracefs mount.
  if (!facts.btf) {
    return layer(
      name,
      "off",
      "no kernel BTF at /sys/kernel/btf/vmlinux (the observers are BTF tracepoints)",
      "use a kernel built with CONFIG_DEBUG_INFO_BTF=y",
    );
  }
  const result = probed(facts, "tracepoint");
  if (result?.ok) return layer(name, "active", "BTF tracepoint programs load and attach");
  if (result) {
    return layer(name, "off", `tracepoint programs are refused (${result.detail})`, "");
  }
  return layer(name, "off", unverified(facts, "tracepoint programs"), probeFix(facts));
}
