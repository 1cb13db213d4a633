/**
 * The host's waits for leash-entry's BOOT markers in the session's drop dir (DESIGN.md §3),
 * each ending in the phase's `BootError` when the marker does not come. The drop dir is
 * writable by the target: every read is bounded, regular files only (`readMarkerFile()`).
 */
import { join } from "node:path";
import {
  type BootstrapReady,
  MARKER_NAMES,
  parseBootstrapReady,
  parseCgroupPath,
  parseEntryReady,
} from "./markers.ts";
import { MarkerVersionError } from "./errors.ts";
import { bootstrapTimeout, entryNotReady, entryVersionMismatch } from "./host_errors.ts";
import { type MarkerReader, readMarkerFile, waitForMarker } from "./wait_marker.ts";

/** How long leash-entry has to say `leash-entry.ready` before the image counts as too old. */
export const ENTRY_GRACE_MS = 5000;

/** How long to wait, and what stops the wait early (throws: a container died, a signal). */
export interface BootWaitOptions {
  /** `performance.now()` time of the bootstrap deadline. */
  deadline: number;
  check: () => void;
  /** How a marker is read (a remote engine's goes through the Engine API). @default {readMarkerFile} */
  read?: MarkerReader | undefined;
  /** First pause between polls, and the longest after backoff. @default 10, 10 */
  intervalMs?: number | undefined;
  maxIntervalMs?: number | undefined;
}

/** The polling part of `options` for {@linkcode waitForMarker}. */
function polling(options: BootWaitOptions) {
  return {
    ...(options.read ? { read: options.read } : {}),
    ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    ...(options.maxIntervalMs !== undefined ? { maxIntervalMs: options.maxIntervalMs } : {}),
  };
}

/**
 * Waits for `leash-entry.ready` within {@linkcode ENTRY_GRACE_MS} (else the entry is not
 * ours: version mismatch); resolves to leash-entry's version.
 */
export async function waitEntryReady(dropDir: string, options: BootWaitOptions): Promise<string> {
  let ready;
  try {
    ready = await waitForMarker(join(dropDir, MARKER_NAMES.entryReady), {
      parse: parseEntryReady,
      deadline: Math.min(options.deadline, performance.now() + ENTRY_GRACE_MS),
      check: options.check,
      ...polling(options),
    });
  } catch (error) {
    if (error instanceof MarkerVersionError) throw entryVersionMismatch(error);
    throw error;
  }
  if (!ready.ok) throw entryNotReady(ENTRY_GRACE_MS);
  return ready.value.version;
}

/** The target's cgroup v2 path as leash-entry wrote it; null when it found none. */
export async function readCgroupPath(
  dropDir: string,
  read: MarkerReader = readMarkerFile,
): Promise<string | null> {
  const text = await read(join(dropDir, MARKER_NAMES.cgroupPath));
  return parseCgroupPath(text ?? "");
}

/**
 * Waits for this session's (`nonce`) `bootstrap.ready`: the CA is installed in the target.
 * Resolves to the marker (pid, memfd guard); past the deadline, a `BootError` naming
 * `timeoutS` and the target's log file.
 */
export async function waitBootstrapReady(
  dropDir: string,
  nonce: string,
  options: BootWaitOptions & { timeoutS: number; targetLog: string },
): Promise<BootstrapReady> {
  const ready = await waitForMarker(join(dropDir, MARKER_NAMES.bootstrapReady), {
    parse: (text) => parseBootstrapReady(text, nonce),
    deadline: options.deadline,
    check: options.check,
    ...polling(options),
  });
  if (!ready.ok) throw bootstrapTimeout(options.timeoutS, options.targetLog);
  return ready.value;
}
