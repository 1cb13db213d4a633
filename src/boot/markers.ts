/**
 * The BOOT markers of DESIGN.md §3 as the host sees them: their names, their JSON shapes, and
 * strict parsers for the ones leash-entry writes. The host's markers go in the session's
 * public dir (`/leash`, read-only in the target); leash-entry's in its drop dir (`/leash/drop`,
 * the one place the target writes for the host). The C side is bpf/helper/entry_boot.c.
 */
import { BOOT_PROTOCOL } from "../version.ts";
import { MarkerNonceError, MarkerVersionError } from "./errors.ts";
import { isLifelineName } from "./lifeline.ts";

/** Marker file names, in BOOT order (leash-entry's in the drop dir, the host's in public). */
export const MARKER_NAMES = {
  /** Written by leash-entry: the target's cgroup v2 path, one line ("" when none). */
  cgroupPath: "cgroup-path",
  /** Written by leash-entry first: it runs and speaks `protocol`. */
  entryReady: "leash-entry.ready",
  /** Written by leash-entry after the CA install: ready for activation. */
  bootstrapReady: "bootstrap.ready",
  /** Written by the host last: enforcement is on; the command may start. */
  enforcementActive: "enforcement.active",
  /** Written by the host before `enforcement.active` when its layers list "landlock". */
  landlockRules: "landlock.rules",
} as const;

/** Every marker a previous run may have left; the host deletes them before starting. */
export const STALE_MARKERS: readonly string[] = Object.values(MARKER_NAMES);

/** Where the target sees the host's dir (read-only) and its own drop dir (writable). */
export const TARGET_DIRS = { public: "/leash", drop: "/leash/drop" } as const;

/** `leash-entry.ready`. */
export interface EntryReady {
  protocol: 1;
  /** leash-entry's pid inside the container (1 when it is the entrypoint). */
  pid: number;
  /** The leash version leash-entry was built from. */
  version: string;
}

/** `bootstrap.ready`. */
export interface BootstrapReady {
  protocol: 1;
  pid: number;
  hostname: string;
  /** RFC 3339 UTC, e.g. "2025-01-02T03:04:05.678Z". */
  timestamp: string;
  nonce: string;
  /** leash-entry's memfd guard (docs/protocol.md), when it reported one. */
  memfdGuard?: string;
}

/** `enforcement.active`. */
export interface EnforcementActive {
  protocol: 1;
  nonce: string;
  /** The layers really on; "landlock" makes leash-entry apply `landlock.rules`. */
  layers: string[];
  timestamp: string;
  /**
   * The manager's abstract socket leash-entry must connect to (and hold) before the
   * command starts; absent: no lifeline.
   */
  lifeline?: string;
}

/**
 * Parses `leash-entry.ready`. Throws `SyntaxError` for non-JSON, `MarkerVersionError` when
 * `protocol` is missing or different, `TypeError` for a wrong field.
 */
export function parseEntryReady(text: string): EntryReady {
  const object = parseObject(MARKER_NAMES.entryReady, text);
  return {
    protocol: BOOT_PROTOCOL,
    pid: pidField(MARKER_NAMES.entryReady, object),
    version: stringField(MARKER_NAMES.entryReady, object, "version"),
  };
}

/**
 * Parses `bootstrap.ready` and checks its nonce. Throws like `parseEntryReady()`, and
 * `MarkerNonceError` when the nonce is not `nonce` (a stale marker: keep waiting).
 */
export function parseBootstrapReady(text: string, nonce: string): BootstrapReady {
  const name = MARKER_NAMES.bootstrapReady;
  const object = parseObject(name, text);
  const marker: BootstrapReady = {
    protocol: BOOT_PROTOCOL,
    pid: pidField(name, object),
    hostname: stringField(name, object, "hostname"),
    timestamp: stringField(name, object, "timestamp"),
    nonce: stringField(name, object, "nonce"),
  };
  if (typeof object.memfd_guard === "string") marker.memfdGuard = object.memfd_guard.slice(0, 200);
  if (Number.isNaN(Date.parse(marker.timestamp))) {
    throw new TypeError(
      `Cannot accept "${name}": "timestamp" "${marker.timestamp}" is not an RFC 3339 time`,
    );
  }
  if (marker.nonce !== nonce) {
    throw new MarkerNonceError(
      `Cannot accept "${name}": its nonce is not this session's (stale marker of another run)`,
    );
  }
  return marker;
}

/** Parses `cgroup-path`: the absolute cgroup v2 path, or null when leash-entry found none. */
export function parseCgroupPath(text: string): string | null {
  const path = text.replace(/\n$/, "");
  if (path === "") return null;
  if (!path.startsWith("/") || path.includes("\n") || path.includes("\0")) {
    throw new TypeError(
      `Cannot accept "${MARKER_NAMES.cgroupPath}": "${path}" is not an absolute cgroup path`,
    );
  }
  return path;
}

/** Options of `encodeEnforcementActive()`. */
export interface EnforcementActiveOptions {
  /** When enforcement went on. @default {new Date()} */
  now?: Date;
  /** The lifeline leash-entry must hold (`newLifelineName()`). @default {none} */
  lifeline?: string;
}

/**
 * Renders `enforcement.active` for this session's nonce and the layers really on.
 * Throws `RangeError` for an empty nonce or layer name, or an invalid lifeline name.
 */
export function encodeEnforcementActive(
  nonce: string,
  layers: readonly string[],
  options: EnforcementActiveOptions = {},
): string {
  if (nonce === "") throw new RangeError("Cannot encode enforcement.active: the nonce is empty");
  for (const layer of layers) {
    if (layer === "") throw new RangeError("Cannot encode enforcement.active: a layer is empty");
  }
  if (options.lifeline !== undefined && !isLifelineName(options.lifeline)) {
    throw new RangeError(
      `Cannot encode enforcement.active: lifeline "${options.lifeline}" is not 1 to 100 characters of [A-Za-z0-9._-]`,
    );
  }
  const marker: EnforcementActive = {
    protocol: BOOT_PROTOCOL,
    nonce,
    layers: [...layers],
    timestamp: (options.now ?? new Date()).toISOString(),
    ...(options.lifeline === undefined ? {} : { lifeline: options.lifeline }),
  };
  return JSON.stringify(marker) + "\n";
}

function parseObject(name: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`Cannot parse "${name}": not JSON`, { cause: error });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError(`Cannot parse "${name}": not a JSON object`);
  }
  const object = value as Record<string, unknown>;
  if (object.protocol !== BOOT_PROTOCOL) {
    const seen = "protocol" in object
      ? `protocol ${JSON.stringify(object.protocol)}`
      : "no protocol";
    throw new MarkerVersionError(
      `Cannot accept "${name}": it has ${seen}, this leash speaks ${BOOT_PROTOCOL}: version mismatch: upgrade both halves`,
    );
  }
  return object;
}

function stringField(name: string, object: Record<string, unknown>, key: string): string {
  const value = object[key];
  if (typeof value !== "string") {
    throw new TypeError(`Cannot accept "${name}": "${key}" is not a string`);
  }
  return value;
}

function pidField(name: string, object: Record<string, unknown>): number {
  const pid = object.pid;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid < 1) {
    throw new TypeError(`Cannot accept "${name}": "pid" is not a positive integer`);
  }
  return pid;
}
