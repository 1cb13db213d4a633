import { exists } from "../fs/mod.ts";
import {
  cgroupLayout,
  cmdlineLsms,
  configuredLsms,
  type DockerFacts,
  type HostFacts,
  parseMountinfo,
  type ProbeFacts,
} from "./facts.ts";
import { landlockAbi } from "../landlock/mod.ts";

/** Options for {@linkcode gatherFacts}: the parts that need Docker or the native half. */
export interface GatherOptions {
  /** Measures Docker reachability. */
  docker: () => Promise<DockerFacts>;
  /** Loads real eBPF programs and reports per program type. */
  probe: () => Promise<ProbeFacts>;
}

/** Measures the host: reads /proc and /sys, asks the kernel for Landlock, probes Docker and eBPF. */
export async function gatherFacts(options: GatherOptions): Promise<HostFacts> {
  const mounts = parseMountinfo(await readOr("/proc/self/mountinfo", ""));
  const filesystems = await readOr("/proc/filesystems", "");
  const landlock = landlockAbi();
  const [docker, probe, lsm] = await Promise.all([options.docker(), options.probe(), lsmList()]);
  return {
    kernelRelease: Deno.osRelease(),
    docker,
    cgroup: cgroupLayout(mounts),
    lsm,
    btf: await exists("/sys/kernel/btf/vmlinux"),
    landlockAbi: landlock.abi,
    landlockNote: landlock.note,
    bpffsMounted: mounts.some((m) => m.fsType === "bpf" && m.mountPoint === "/sys/fs/bpf"),
    tracefs: /\btracefs\b/.test(filesystems),
    probe,
  };
}

async function lsmList(): Promise<HostFacts["lsm"]> {
  const live = await readOr("/sys/kernel/security/lsm", undefined);
  if (live !== undefined) {
    return { list: live.trim().split(",").filter(Boolean), source: "securityfs", note: "" };
  }
  const cmdline = cmdlineLsms(await readOr("/proc/cmdline", ""));
  const config = configuredLsms(await kernelConfig());
  const list = cmdline ?? config;
  if (list) {
    return {
      list,
      source: "kernel-config",
      note: `securityfs is not mounted on the host; list from ${
        cmdline ? "the lsm= boot parameter" : "the kernel's CONFIG_LSM"
      }`,
    };
  }
  return {
    list: null,
    source: "none",
    note: "securityfs is not mounted and the kernel config is not readable",
  };
}

async function kernelConfig(): Promise<string> {
  const fromBoot = await readOr(`/boot/config-${Deno.osRelease()}`, undefined);
  if (fromBoot !== undefined) return fromBoot;
  try {
    const compressed = await Deno.readFile("/proc/config.gz");
    const stream = new Blob([compressed]).stream().pipeThrough(new DecompressionStream("gzip"));
    return await new Response(stream).text();
  } catch {
    return "";
  }
}

async function readOr<T extends string | undefined>(
  path: string,
  fallback: T,
): Promise<string | T> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return fallback;
  }
}
