/** What leash measured about the host: the inputs of the posture assessment. */
import type { EngineKind } from "../docker/mod.ts";
import type { SessionTransportFact } from "./session_transport_fact.ts";

/** How cgroups are mounted: pure v2, v1 with the v2 hierarchy beside it, v1 only, or none. */
export type CgroupLayout = "v2" | "v1-hybrid" | "v1-only" | "none";

/** Docker Engine reachability. */
export type DockerFacts =
  | {
    reachable: true;
    socket: string;
    engineVersion: string;
    apiVersion: string;
    /** The engine's kind and how leash reaches it (absent when `/info` failed). */
    engine?: EngineFacts | undefined;
  }
  | { reachable: false; socket: string; error: string };

/** What `leash doctor` says about the engine itself. */
export interface EngineFacts {
  kind: EngineKind;
  /** E.g. `Podman 4.3.1`. */
  product: string;
  /** E.g. `unix socket /run/podman/podman.sock`. */
  transport: string;
  /** Containers run in a user namespace (no capability over the host kernel). */
  rootless: boolean;
  /** The engine's architecture (kernel spelling) and that of the embedded helper for it (null: none). */
  architecture: string;
  helperArchitecture: string | null;
  /** How `leash run` would bring files and the relay to this engine's containers. */
  sessionTransport?: SessionTransportFact | undefined;
}

/** Result of loading and attaching real eBPF programs (leash-helper probe). */
export type ProbeFacts =
  | {
    ran: true;
    /** Per program type: "ok" or the error the kernel gave (e.g. "EPERM"). */
    results: Record<string, string>;
  }
  | { ran: false; reason: string; fix: string };

/** Every fact `leash doctor` reports. */
export interface HostFacts {
  kernelRelease: string;
  docker: DockerFacts;
  cgroup: { layout: CgroupLayout; unifiedPath: string | null };
  /** Active LSMs; `source` says where the list came from (securityfs is the live one). */
  lsm: { list: string[] | null; source: "securityfs" | "kernel-config" | "none"; note: string };
  btf: boolean;
  /** Landlock ABI version; 0 when the kernel refuses Landlock; null when it could not be asked. */
  landlockAbi: number | null;
  landlockNote: string;
  bpffsMounted: boolean;
  /** Whether the kernel offers tracefs (listed in /proc/filesystems; the manager mounts its own). */
  tracefs: boolean;
  probe: ProbeFacts;
}

/** One line of /proc/self/mountinfo reduced to what leash needs. */
export interface Mount {
  mountPoint: string;
  fsType: string;
}

/** Parses /proc/self/mountinfo text into mount points and filesystem types. */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const separator = line.indexOf(" - ");
    if (separator < 0) continue;
    const before = line.slice(0, separator).split(" ");
    const after = line.slice(separator + 3).split(" ");
    const mountPoint = before[4];
    const fsType = after[0];
    if (mountPoint === undefined || fsType === undefined) continue;
    mounts.push({ mountPoint: unescapeMountPath(mountPoint), fsType });
  }
  return mounts;
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040). */
function unescapeMountPath(path: string): string {
  return path.replace(
    /\\([0-7]{3})/g,
    (_, octal: string) => String.fromCharCode(parseInt(octal, 8)),
  );
}

/** Classifies the cgroup layout from the mounts. */
export function cgroupLayout(
  mounts: Mount[],
): { layout: CgroupLayout; unifiedPath: string | null } {
  const v2 = mounts.find((m) => m.fsType === "cgroup2");
  const v1 = mounts.some((m) => m.fsType === "cgroup");
  if (v2 && !v1) return { layout: "v2", unifiedPath: v2.mountPoint };
  if (v2 && v1) return { layout: "v1-hybrid", unifiedPath: v2.mountPoint };
  if (v1) return { layout: "v1-only", unifiedPath: null };
  return { layout: "none", unifiedPath: null };
}

/** Extracts CONFIG_LSM="a,b,c" from a kernel config text. */
export function configuredLsms(kernelConfig: string): string[] | null {
  const match = /^CONFIG_LSM="([^"]*)"$/m.exec(kernelConfig);
  return match?.[1] ? match[1].split(",").filter(Boolean) : null;
}

/** Extracts an `lsm=` override from the kernel command line. */
export function cmdlineLsms(cmdline: string): string[] | null {
  const match = /(?:^|\s)lsm=(\S+)/.exec(cmdline.split(" -- ")[0] ?? "");
  return match?.[1] ? match[1].split(",").filter(Boolean) : null;
}
