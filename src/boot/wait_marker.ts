/** Polls the session's public dir for a BOOT marker until it parses, a check fails or time is up. */
import { readUntrustedFile } from "../fs/mod.ts";
import { MarkerNonceError } from "./errors.ts";

/** Reads a marker: its text, or undefined when it does not exist yet. */
export type MarkerReader = (path: string) => Promise<string | undefined>;

/** Time for polling (a fake one in tests). */
export interface PollClock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const REAL_CLOCK: PollClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Largest BOOT marker the host reads (leash-entry's are under 2 KiB). */
export const MARKER_MAX_BYTES = 64 * 1024;

/**
 * Reads a marker the target wrote (untrusted): undefined when it is missing; throws
 * `UntrustedFileError` for a symlink, FIFO, device, directory or a file over
 * {@linkcode MARKER_MAX_BYTES}, without following, blocking or reading past the limit.
 */
export async function readMarkerFile(path: string): Promise<string | undefined> {
  return await readUntrustedFile(path, { maxBytes: MARKER_MAX_BYTES });
}

/** Options for {@linkcode waitForMarker}. */
export interface WaitMarkerOptions<T> {
  /** Turns the text into a value; throws to refuse it (`MarkerNonceError`: keep waiting). */
  parse: (text: string) => T;
  /** Clock time (of `clock`) at which to give up. */
  deadline: number;
  /** @default {readMarkerFile} */
  read?: MarkerReader;
  /** @default {REAL_CLOCK} */
  clock?: PollClock;
  /** Pause between polls. @default 10 */
  intervalMs?: number;
  /** Doubles the pause after each empty poll up to this (an Engine API read). @default {intervalMs} */
  maxIntervalMs?: number;
  /** Runs between polls; throws to stop waiting (the target died, Ctrl-C). @default none */
  check?: () => Promise<void> | void;
}

/** What {@linkcode waitForMarker} resolves to: the value, or why it gave up. */
export type MarkerWait<T> = { ok: true; value: T } | { ok: false; reason: "timeout" };

/**
 * Waits for the marker at `path`. A stale marker of another session (`MarkerNonceError`) is
 * ignored until a good one replaces it; any other parse error is thrown at once.
 */
export async function waitForMarker<T>(
  path: string,
  options: WaitMarkerOptions<T>,
): Promise<MarkerWait<T>> {
  const read = options.read ?? readMarkerFile;
  const clock = options.clock ?? REAL_CLOCK;
  let interval = options.intervalMs ?? 10;
  const maxInterval = Math.max(interval, options.maxIntervalMs ?? interval);
  for (;;) {
    const text = await read(path);
    if (text !== undefined) {
      try {
        return { ok: true, value: options.parse(text) };
      } catch (error) {
        if (!(error instanceof MarkerNonceError)) throw error;
      }
    }
    await options.check?.();
    if (clock.now() >= options.deadline) return { ok: false, reason: "timeout" };
    await clock.sleep(Math.min(interval, Math.max(0, options.deadline - clock.now())));
    interval = Math.min(interval * 2, maxInterval);
  }
}
