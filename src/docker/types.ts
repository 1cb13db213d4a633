/**
 * The subset of Docker Engine API (v1.41+) types leash uses. Engine objects carry many more
 * fields; the index signatures keep them reachable without claiming to know their shape.
 */

/** What `/_ping` tells about the engine. */
export interface PingResult {
  /** The newest API version the engine serves (`API-Version` header). */
  apiVersion: string;
  /** `linux` or `windows` (`OSType` header); "" if absent. */
  osType: string;
  /** Whether experimental features are on (`Docker-Experimental` header). */
  experimental: boolean;
  /** Preferred builder, `1` (classic) or `2` (BuildKit); "" if absent. */
  builderVersion: string;
  /** The `Server` header, e.g. `Docker/20.10.24+dfsg1 (linux)`; "" if absent. */
  server: string;
}

/** `GET /version`. */
export interface EngineVersion {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  GitCommit?: string;
  GoVersion?: string;
  Os: string;
  Arch: string;
  KernelVersion?: string;
  BuildTime?: string;
  Platform?: { Name: string };
  Components?: { Name: string; Version: string; Details?: Record<string, unknown> }[];
  [key: string]: unknown;
}

/** `GET /info` (the fields leash reads). */
export interface EngineInfo {
  ID: string;
  Name: string;
  ServerVersion: string;
  Driver: string;
  CgroupDriver?: string;
  CgroupVersion?: string;
  KernelVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  SecurityOptions?: string[];
  DockerRootDir?: string;
  [key: string]: unknown;
}

/** Host-side settings of a container (`HostConfig`). */
export interface HostConfig {
  /** `host:container[:ro]` bind mounts. */
  Binds?: string[];
  /** `none`, `bridge`, `host`, `container:<id>` or a network name. */
  NetworkMode?: string;
  AutoRemove?: boolean;
  Privileged?: boolean;
  CapAdd?: string[];
  CapDrop?: string[];
  SecurityOpt?: string[];
  /** `host` or `private`. */
  CgroupnsMode?: "host" | "private";
  PidMode?: string;
  ReadonlyRootfs?: boolean;
  Init?: boolean;
  Tmpfs?: Record<string, string>;
  Mounts?: {
    Type: "bind" | "volume" | "tmpfs";
    Source?: string;
    Target: string;
    ReadOnly?: boolean;
    [key: string]: unknown;
  }[];
  [key: string]: unknown;
}

/** Body of `POST /containers/create`. */
export interface ContainerCreateConfig {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  Labels?: Record<string, string>;
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  Tty?: boolean;
  OpenStdin?: boolean;
  /** Close stdin after the first attached client detaches. */
  StdinOnce?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  StopSignal?: string;
  HostConfig?: HostConfig;
  NetworkingConfig?: { EndpointsConfig?: Record<string, Record<string, unknown>> };
  [key: string]: unknown;
}

/** Answer of `POST /containers/create`. */
export interface ContainerCreateResult {
  Id: string;
  Warnings: string[] | null;
}

/** `GET /containers/{id}/json` (the fields leash reads). */
export interface ContainerInspect {
  Id: string;
  /** With a leading "/", as the engine reports it. */
  Name: string;
  Image: string;
  Created: string;
  State: {
    Status: "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";
    Running: boolean;
    Paused: boolean;
    Restarting: boolean;
    OOMKilled: boolean;
    Dead: boolean;
    Pid: number;
    ExitCode: number;
    Error: string;
    StartedAt: string;
    FinishedAt: string;
  };
  Config: ContainerCreateConfig;
  HostConfig: HostConfig;
  NetworkSettings: { Networks?: Record<string, Record<string, unknown>>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Answer of `POST /containers/{id}/wait`. */
export interface ContainerWaitResult {
  StatusCode: number;
  Error?: { Message: string } | null;
}

/** One container of `GET /containers/json`. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Labels: Record<string, string> | null;
  State: string;
}

/** One image of `GET /images/json`. */
export interface ImageSummary {
  Id: string;
  RepoTags: string[] | null;
  Labels: Record<string, string> | null;
}

/** `GET /images/{name}/json` (the fields leash reads). */
export interface ImageInspect {
  Id: string;
  RepoTags: string[] | null;
  Created: string;
  Size: number;
  Config: {
    Labels?: Record<string, string> | null;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** One item of `DELETE /images/{name}`. */
export interface ImageDeleteItem {
  Untagged?: string;
  Deleted?: string;
}

/** One line of build output (`POST /build`). */
export interface BuildMessage {
  /** Builder output text, e.g. `Step 1/3 : FROM scratch\n`. */
  stream?: string;
  status?: string;
  progress?: string;
  /** Carries the built image's `ID`. */
  aux?: { ID?: string; [key: string]: unknown };
  error?: string;
  errorDetail?: { code?: number; message: string };
  [key: string]: unknown;
}

/** Body of `POST /networks/create`. */
export interface NetworkCreateConfig {
  Name: string;
  /** @default {"bridge"} */
  Driver?: string;
  /** No route to the outside world. */
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  Labels?: Record<string, string>;
  Options?: Record<string, string>;
  IPAM?: {
    Driver?: string;
    Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[];
  };
  [key: string]: unknown;
}

/** Answer of `POST /networks/create`. */
export interface NetworkCreateResult {
  Id: string;
  Warning?: string;
}

/** `GET /networks/{id}` (the fields leash reads). */
export interface NetworkInspect {
  Name: string;
  Id: string;
  Driver: string;
  Internal: boolean;
  EnableIPv6: boolean;
  Labels: Record<string, string> | null;
  Containers?: Record<string, { Name: string; IPv4Address: string; IPv6Address: string }>;
  IPAM?: { Driver: string; Config: { Subnet?: string; Gateway?: string }[] | null };
  [key: string]: unknown;
}

/** One item of `GET /events`. */
export interface DockerEvent {
  /** `container`, `image`, `network`, `volume`, ... */
  Type: string;
  /** `create`, `start`, `die`, `destroy`, ... */
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope?: string;
  time: number;
  timeNano: number;
  [key: string]: unknown;
}

/** Filters of list/events/prune endpoints: name → accepted values, e.g. `{label: ["a=b"]}`. */
export type Filters = Record<string, string[]>;
