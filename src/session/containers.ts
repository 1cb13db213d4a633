/** The Docker configs of a session's two containers (DESIGN.md §1), pure. */
import type { ContainerCreateConfig } from "../docker/mod.ts";
import { managerHostConfig } from "../manager/mod.ts";
import { type Containment, TARGET_CAP_DROP } from "./containment.ts";
import { limitsHostConfig, type TargetLimits } from "./limits.ts";
import type { SessionPaths } from "./paths.ts";
import type { RunIo, RunOptions } from "./run_options.ts";

/** Label on everything a session creates; `leash clean` finds leftovers by it. */
export const SESSION_LABEL = "leash.session";

/** Where the relay listens inside the target (the manager's explicit proxy port). */
export const PROXY_URL = "http://127.0.0.1:3128";

/** Container names of a session. */
export function containerNames(id: string): { target: string; manager: string } {
  return { target: `leash-${id}-target`, manager: `leash-${id}-manager` };
}

/** What the target container needs from the session. */
export interface TargetConfigOptions {
  image: string;
  sessionId: string;
  /** The user's command, passed to leash-entry untouched. */
  command: string[];
  /** The host's working directory: mounted at the same path. */
  cwd: string;
  /** Working directory inside (`-w`). @default {cwd} */
  workdir?: string | undefined;
  /** Session public dir → /leash:ro; its bin → /leash/bin:ro; the drop dir → /leash/drop. */
  publicDir: string;
  publicBin: string;
  dropDir: string;
  /** `-v SRC:DST[:ro]` mounts. */
  volumes: string[];
  /**
   * The transport's binds for the workspace, /leash and /leash/drop (src/transport/).
   * @default {cwd at cwd, publicDir at /leash:ro, publicBin at /leash/bin:ro, dropDir at /leash/drop}
   */
  sessionBinds?: string[] | undefined;
  /** Read-only binds over files leash trusts (masks.ts), after the mounts they mask. */
  masks?: string[] | undefined;
  /** `-e KEY=VAL` (resolved). */
  env: string[];
  nonce: string;
  bootstrapTimeoutS: number;
  /** Numeric uid:gid the command runs as; undefined: root. */
  user?: string | undefined;
  tty: boolean;
  openStdin: boolean;
  /** Scratch tmpfs, masks of forbidden paths, capabilities. @default none, TARGET_CAP_DROP */
  containment?: Pick<Containment, "tmpfs" | "mounts" | "capDrop" | "noexecBinds"> | undefined;
  /** Processes, memory, CPU. @default Docker's (none) */
  limits?: TargetLimits | undefined;
}

/** The target's options for session `paths` from what `leash run` was asked (user unresolved). */
export function targetOptions(
  o: RunOptions,
  io: Pick<RunIo, "cwd" | "stdio">,
  paths: SessionPaths,
  nonce: string,
): TargetConfigOptions {
  return {
    image: o.image,
    sessionId: paths.id,
    command: o.command,
    cwd: io.cwd,
    workdir: o.workdir,
    publicDir: paths.public,
    publicBin: paths.publicBin,
    dropDir: paths.drop,
    volumes: o.volumes,
    env: o.env,
    nonce,
    bootstrapTimeoutS: o.bootstrapTimeoutS,
    tty: o.tty,
    openStdin: io.stdio.stdin !== null,
    limits: o.limits,
  };
}

/**
 * The target: `--network none`, host cgroupns, fewer capabilities, containment mounts, limits,
 * entrypoint leash-entry as root.
 */
export function targetConfig(o: TargetConfigOptions): ContainerCreateConfig {
  const proxyEnv = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"].flatMap((name) => [
    `${name}=${PROXY_URL}`,
    `${name.toLowerCase()}=${PROXY_URL}`,
  ]);
  const noProxy = "localhost,127.0.0.1,::1";
  const noexec = o.containment?.noexecBinds ?? [];
  const env = [
    ...proxyEnv,
    `NO_PROXY=${noProxy}`,
    `no_proxy=${noProxy}`,
    ...o.env,
    `LEASH_SESSION_NONCE=${o.nonce}`,
    `LEASH_BOOTSTRAP_TIMEOUT=${o.bootstrapTimeoutS}`,
    ...(o.user === undefined ? [] : [`LEASH_USER=${o.user}`]),
    ...(noexec.length > 0 ? [`LEASH_NOEXEC=${noexec.join("\n")}`] : []),
  ];
  return {
    Image: o.image,
    Entrypoint: ["/leash/bin/leash-entry"],
    Cmd: [...o.command],
    Env: env,
    User: "0:0",
    WorkingDir: o.workdir ?? o.cwd,
    Labels: { [SESSION_LABEL]: o.sessionId, "leash.role": "target" },
    Tty: o.tty,
    OpenStdin: o.openStdin,
    StdinOnce: o.openStdin,
    AttachStdin: o.openStdin,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      NetworkMode: "none",
      CgroupnsMode: "host",
      CapDrop: [...(o.containment?.capDrop ?? TARGET_CAP_DROP)],
      // Only for leash-entry's remount of these binds; it drops the capability before any
      // code of the image runs (bpf/helper/entry_noexec.h).
      ...(noexec.length > 0 ? { CapAdd: ["SYS_ADMIN"] } : {}),
      ...(o.containment ? { Tmpfs: o.containment.tmpfs, Mounts: o.containment.mounts } : {}),
      ...(o.limits ? limitsHostConfig(o.limits) : {}),
      Binds: [
        ...(o.sessionBinds ?? [
          `${o.cwd}:${o.cwd}`,
          // What the host writes for the target is read-only there, even for root (no
          // CAP_SYS_ADMIN to remount); what the target writes for the host goes to drop.
          `${o.publicDir}:/leash:ro`,
          `${o.publicBin}:/leash/bin:ro`,
          `${o.dropDir}:/leash/drop`,
        ]),
        ...o.volumes,
        ...(o.masks ?? []),
      ],
      // Docker turns IPv6 off in a --network none namespace; the relay serves ::1 too.
      Sysctls: { "net.ipv6.conf.all.disable_ipv6": "0", "net.ipv6.conf.lo.disable_ipv6": "0" },
    },
  };
}

/** What the manager container needs from the session. */
export interface ManagerConfigOptions {
  image: string;
  sessionId: string;
  /** The target's id: the manager joins its network namespace. */
  target: string;
  /** The socket dir, mounted at /leash-sock. */
  socketDir: string;
  /**
   * Owner of the socket dir when not root: the manager connects as this uid/gid (DESIGN.md
   * §7). @default {root: the manager's own ids}
   */
  socketOwner?: { uid: number; gid: number } | undefined;
}

/** The manager: the target's netns, host cgroupns, eBPF caps only, the socket dir. */
export function managerConfig(o: ManagerConfigOptions): ContainerCreateConfig {
  const owner = o.socketOwner && (o.socketOwner.uid !== 0 || o.socketOwner.gid !== 0)
    ? o.socketOwner
    : undefined;
  return {
    Image: o.image,
    Entrypoint: [
      "/leash-helper",
      "manager",
      "--control",
      "/leash-sock/control.sock",
      "--proxy",
      "/leash-sock/proxy.sock",
      "--dns",
      "/leash-sock/dns.sock",
      ...(owner ? ["--socket-owner", `${owner.uid}:${owner.gid}`] : []),
    ],
    Labels: { [SESSION_LABEL]: o.sessionId, "leash.role": "manager" },
    HostConfig: managerHostConfig({
      networkMode: `container:${o.target}`,
      binds: [`${o.socketDir}:/leash-sock`],
      socketOwner: owner !== undefined,
    }),
  };
}
