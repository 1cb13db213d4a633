/**
 * The target's resource limits (issue 10 class 5): processes, memory and CPU, from
 * `--pids-limit`, `--memory` and `--cpus` or the defaults, as Docker `HostConfig` fields and
 * as the banner's line. Pure: the host's memory size is passed in.
 */

/** The limits a session's target runs with; `undefined` means no limit. */
export interface TargetLimits {
  /** Most processes and threads at once (cgroup `pids.max`). */
  pids: number | undefined;
  /** Memory in bytes (cgroup memory limit; swap is not added on top). */
  memoryBytes: number | undefined;
  /** CPUs, e.g. 1.5 (CFS quota). */
  cpus: number | undefined;
}

/** The flags' text as given; `undefined` when the flag was not given. */
export interface LimitFlags {
  pidsLimit?: string | undefined;
  memory?: string | undefined;
  cpus?: string | undefined;
}

/** The default `pids.max`: room for a build with many workers, not for a fork bomb. */
export const DEFAULT_PIDS_LIMIT = 4096;

/** The default memory limit as a share of the host's memory. */
export const DEFAULT_MEMORY_SHARE = 0.5;

/** The smallest memory limit Docker accepts (6 MiB). */
const MIN_MEMORY = 6 * 1024 * 1024;

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/**
 * The limits from the flags, the rest defaulted (`hostMemoryBytes` × the default share).
 * `none` as a value lifts that limit. Throws `RangeError` naming the flag, the value and the fix.
 */
export function parseLimits(flags: LimitFlags, hostMemoryBytes: number): TargetLimits {
  return {
    pids: flags.pidsLimit === undefined ? DEFAULT_PIDS_LIMIT : parsePids(flags.pidsLimit),
    memoryBytes: flags.memory === undefined
      ? defaultMemory(hostMemoryBytes)
      : parseMemory(flags.memory),
    cpus: flags.cpus === undefined ? undefined : parseCpus(flags.cpus),
  };
}

function defaultMemory(host: number): number | undefined {
  if (!(host > 0)) return undefined;
  return Math.max(MIN_MEMORY, Math.floor(host * DEFAULT_MEMORY_SHARE / 1048576) * 1048576);
}

function parsePids(text: string): number | undefined {
  if (text === "none") return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(
      `Invalid --pids-limit "${text}": use a whole number of processes (at least 1) or none`,
    );
  }
  return n;
}

function parseMemory(text: string): number | undefined {
  if (text === "none") return undefined;
  const match = /^(\d+(?:\.\d+)?)([bkmgt]?)$/i.exec(text);
  const bytes = match ? Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!) : NaN;
  if (!(bytes >= MIN_MEMORY) || !Number.isSafeInteger(bytes)) {
    throw new RangeError(
      `Invalid --memory "${text}": use a size of at least 6m, like 512m or 4g (units b, k, m, g, t), or none`,
    );
  }
  return bytes;
}

function parseCpus(text: string): number | undefined {
  if (text === "none") return undefined;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n >= 0.01) || n > 1024) {
    throw new RangeError(
      `Invalid --cpus "${text}": use a number of CPUs between 0.01 and 1024, like 2 or 0.5, or none`,
    );
  }
  return n;
}

/** The `HostConfig` fields for `limits` (Docker's own defaults where a limit is lifted). */
export function limitsHostConfig(limits: TargetLimits): Record<string, number> {
  const config: Record<string, number> = {};
  // Docker 20.10 reads PidsLimit 0 as "unchanged"; -1 is unlimited.
  config.PidsLimit = limits.pids ?? -1;
  if (limits.memoryBytes !== undefined) {
    config.Memory = limits.memoryBytes;
    config.MemorySwap = limits.memoryBytes;
  }
  if (limits.cpus !== undefined) config.NanoCpus = Math.round(limits.cpus * 1e9);
  return config;
}

/** The banner's line, e.g. `limits: pids 4096 · memory 3.9 GiB · cpus no limit`. */
export function renderLimits(limits: TargetLimits): string {
  const memory = limits.memoryBytes === undefined
    ? "no limit"
    : limits.memoryBytes >= 1024 ** 3
    ? `${(limits.memoryBytes / 1024 ** 3).toFixed(1)} GiB`
    : `${Math.round(limits.memoryBytes / 1024 ** 2)} MiB`;
  return [
    `pids ${limits.pids ?? "no limit"}`,
    `memory ${memory}`,
    `cpus ${limits.cpus ?? "no limit"}`,
  ].join(" · ");
}
