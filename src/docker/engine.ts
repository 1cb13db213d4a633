/**
 * What kind of engine answers on the socket: Docker or Podman, rootful or rootless, on this
 * host's kernel or elsewhere (a VM, a remote machine). Callers ask the profile instead of
 * guessing from the API's answers, so every engine difference is read in one place.
 */
import type { EngineInfo, PingResult } from "./types.ts";

/**
 * `local`: a rootful Docker Engine on this host's kernel. `rootless`: Docker in a user
 * namespace (dockerd-rootless.sh). `podman` / `podman-rootless`: Podman's Docker-compatible
 * service. `remote`: an engine reached over tcp:// or ssh://, or whose kernel is not this
 * host's (Docker Desktop, a VM, another machine): its filesystem is not this host's.
 */
export type EngineKind = "local" | "rootless" | "podman" | "podman-rootless" | "remote";

/** The facts about an engine that change what leash can do with it. */
export interface EngineProfile {
  kind: EngineKind;
  /** The engine's product and version, e.g. `Docker 20.10.24` or `Podman 4.3.1`. */
  product: string;
  /** How leash reaches the engine: `unix socket /run/podman/podman.sock`, `tcp+tls h:2376`, `ssh me@h`. */
  transport: string;
  /** Containers run in a user namespace owned by the engine's user (no host capabilities). */
  rootless: boolean;
  /** The engine's CPU architecture in kernel spelling (`x86_64`, `aarch64`). */
  architecture: string;
  /** The engine's kernel release (`docker info`), to compare with the host's. */
  kernel: string;
}

/** What {@linkcode engineProfile} reads. */
export interface EngineProfileInput {
  ping: PingResult;
  info: EngineInfo;
  /** How leash reaches the engine (`description` and `remote` of its transport). */
  transport: { socket: string; description?: string; remote?: boolean };
  /** This host's kernel release (`Deno.osRelease()`). */
  hostKernel: string;
  /**
   * Podman's own `/libpod/info` `host.security.rootless`: its Docker-compatible `/info` does not
   * list `name=rootless` as Docker's does. @default {undefined: not Podman or not asked}
   */
  podmanRootless?: boolean | undefined;
}

/** Whether `/_ping`'s Server header names Podman (`Libpod/4.3.1 (linux)`). */
export function isPodman(ping: PingResult): boolean {
  return /^Libpod\//i.test(ping.server);
}

/** Classifies the engine from `/_ping` and `/info`; pure. */
export function engineProfile(input: EngineProfileInput): EngineProfile {
  const { ping, info } = input;
  const podman = isPodman(ping);
  const rootless = input.podmanRootless === true ||
    (info.SecurityOptions ?? []).some((o) => /(^|,)name=rootless(,|$)/.test(o));
  const desktop = /docker desktop/i.test(info.OperatingSystem ?? "");
  const elsewhere = desktop || input.transport.remote === true ||
    (info.KernelVersion !== "" && info.KernelVersion !== input.hostKernel);
  const kind: EngineKind = elsewhere
    ? "remote"
    : podman
    ? (rootless ? "podman-rootless" : "podman")
    : (rootless ? "rootless" : "local");
  const version = podman ? podmanVersion(ping.server) ?? info.ServerVersion : info.ServerVersion;
  return {
    kind,
    product: `${podman ? "Podman" : "Docker"} ${version}`,
    transport: input.transport.description ?? `unix socket ${input.transport.socket}`,
    rootless,
    architecture: kernelArchitecture(info.Architecture),
    kernel: info.KernelVersion,
  };
}

/** One line for people: what each kind means for leash. */
export function describeEngineKind(kind: EngineKind): string {
  switch (kind) {
    case "local":
      return "rootful Docker Engine on this host's kernel";
    case "rootless":
      return "rootless Docker (containers in your user namespace, no capability over the host kernel)";
    case "podman":
      return "rootful Podman (Docker-compatible API)";
    case "podman-rootless":
      return "rootless Podman (containers in your user namespace, no capability over the host kernel)";
    case "remote":
      return "an engine whose filesystem is not this host's (tcp://, ssh://, Docker Desktop, a VM)";
  }
}

/**
 * Spells an architecture the way the kernel does (`uname -m`): Docker reports `x86_64`, Podman
 * and Go report `amd64`; `arm64` is `aarch64`. Unknown names are returned unchanged.
 */
export function kernelArchitecture(name: string): string {
  const lower = name.trim().toLowerCase();
  const aliases: Record<string, string> = {
    amd64: "x86_64",
    x86_64: "x86_64",
    arm64: "aarch64",
    aarch64: "aarch64",
    armhf: "armv7l",
    arm: "armv7l",
    "386": "i686",
    i386: "i686",
  };
  return aliases[lower] ?? lower;
}

function podmanVersion(server: string): string | undefined {
  return /^Libpod\/(\S+)/i.exec(server)?.[1];
}
