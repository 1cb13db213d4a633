import {
  type ContainerCreateConfig,
  type ContainerCreateOptions,
  DockerApiError,
  type DockerClient,
  type HostConfig,
} from "../docker/mod.ts";

/** Capabilities the manager needs for eBPF (DESIGN.md §1); never `--privileged`. */
export const MANAGER_CAPS = ["BPF", "PERFMON", "SYS_ADMIN", "NET_ADMIN"] as const;

/**
 * Engines whose capability list predates CAP_BPF/CAP_PERFMON (Debian's Docker 20.10) refuse
 * them; the kernel lets CAP_SYS_ADMIN do what they allow, so the manager still works.
 */
const LEGACY_CAPS = ["SYS_ADMIN", "NET_ADMIN"] as const;

/** Options for {@linkcode managerHostConfig}. */
export interface ManagerHostConfigOptions {
  /** Join this container's network namespace (`container:<id>`). @default "none" */
  networkMode?: string;
  /** Extra `host:container[:ro]` binds (the session's public and private dirs). @default [] */
  binds?: string[];
}

/**
 * The HostConfig of a manager container: BTF and cgroupfs read-only, the host cgroup
 * namespace, and only the capabilities eBPF needs (it mounts its own bpffs/tracefs).
 */
export function managerHostConfig(options: ManagerHostConfigOptions = {}): HostConfig {
  return {
    NetworkMode: options.networkMode ?? "none",
    CgroupnsMode: "host",
    CapAdd: [...MANAGER_CAPS],
    CapDrop: ["ALL"],
    Binds: [
      "/sys/kernel/btf:/sys/kernel/btf:ro",
      "/sys/fs/cgroup:/sys/fs/cgroup:ro",
      ...(options.binds ?? []),
    ],
    SecurityOpt: ["no-new-privileges"],
  };
}

/**
 * Creates a manager container; when the engine does not know CAP_BPF/CAP_PERFMON it retries
 * with CAP_SYS_ADMIN and CAP_NET_ADMIN only. Resolves to the container id.
 */
export async function createManagerContainer(
  client: DockerClient,
  config: ContainerCreateConfig,
  options: ContainerCreateOptions = {},
): Promise<string> {
  try {
    return (await client.containers.create(config, options)).Id;
  } catch (error) {
    const unknownCap = error instanceof DockerApiError && error.status === 400 &&
      /unknown capability/i.test(error.message);
    if (!unknownCap) throw error;
    const hostConfig = { ...config.HostConfig, CapAdd: [...LEGACY_CAPS] };
    return (await client.containers.create({ ...config, HostConfig: hostConfig }, options)).Id;
  }
}
