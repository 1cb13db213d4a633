/** Small pieces of the session's boot: why a container stopped, base64, delays, deadlines. */

/** The target stopped before the command started (its status explains why). */
export class TargetExit extends Error {
  override name = "TargetExit";
  constructor(readonly status: number) {
    super(`target exited with status ${status}`);
  }
}

/** The manager stopped during boot. */
export class ManagerExit extends Error {
  override name = "ManagerExit";
  constructor(readonly status: number) {
    super(`manager exited with status ${status}`);
  }
}

/** Base64 of bytes (map images are up to megabytes: chunked). */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Races `promise` against `deadline` (a `performance.now()` time): past it, rejects with
 * `timeout()`; `check` runs every 20 ms and stops the wait by throwing (a container died, a
 * signal). A promise given up on has its later rejection swallowed.
 */
export async function raceDeadline<T>(
  promise: Promise<T>,
  deadline: number,
  check: () => void,
  timeout: () => Error,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), Math.max(0, deadline - performance.now()));
    poll = setInterval(() => {
      try {
        check();
      } catch (error) {
        reject(error);
      }
    }, 20);
  });
  try {
    return await Promise.race([promise, watchdog]);
  } catch (error) {
    promise.catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
    clearInterval(poll);
  }
}
