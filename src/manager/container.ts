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
const NEWER_CAPS: readonly string[] = ["BPF", "PERFMON"];

/**
 * What a manager of a non-root user's session adds: it connects to the user's 0700 socket dir
 * with the user's filesystem uid/gid (setfsuid/setfsgid, `--socket-owner`), so nothing there
 * is widened to other local users (DESIGN.md §7).
 */
export const SOCKET_OWNER_CAPS = ["SETUID", "SETGID"] as const;

/** Options for {@linkcode managerHostConfig}. */
export interface ManagerHostConfigOptions {
  /** Join this container's network namespace (`container:<id>`). @default "none" */
  networkMode?: string;
  /** Extra `host:container[:ro]` binds (the session's public and private dirs). @default [] */
  binds?: string[];
  /** Add {@linkcode SOCKET_OWNER_CAPS} (a session owned by a non-root user). @default false */
  socketOwner?: boolean;
}

/**
 * The HostConfig of a manager container: BTF and cgroupfs read-only, the host cgroup
 * namespace, and only the capabilities eBPF needs (it mounts its own bpffs/tracefs).
 */
export function managerHostConfig(options: ManagerHostConfigOptions = {}): HostConfig {
  return {
    NetworkMode: options.networkMode ?? "none",
    CgroupnsMode: "host",
    CapAdd: [...MANAGER_CAPS, ...(options.socketOwner ? SOCKET_OWNER_CAPS : [])],
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
 * without them (CAP_SYS_ADMIN covers them). Resolves to the container id.
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
    const legacy = (config.HostConfig?.CapAdd ?? []).filter((cap) => !NEWER_CAPS.includes(cap));
    const hostConfig = { ...config.HostConfig, CapAdd: legacy };
    return (await client.containers.create({ ...config, HostConfig: hostConfig }, options)).Id;
  }
}
