/**
 * Events of opens that a mask refused. Without kernel-lsm, the observe layer reports an open's
 * real outcome and calls it a deny only for EACCES/EPERM; a file under one of the session's
 * masks (containment.ts, image_masks.ts) fails instead with ENOENT (not there), EROFS or
 * EBUSY. Such an event is the mask's refusal of a forbidden path, and says so.
 */
import { dirCovers } from "../policy/mod.ts";

/** `event` with `decision: "deny"` when it is a failed open beneath one of `masked`. */
export function maskedOutcome(
  event: Record<string, unknown>,
  masked: readonly string[],
): Record<string, unknown> {
  if (event.event !== "file.open" || event.decision !== "allow") return event;
  if (typeof event.errno !== "number" || event.errno === 0 || event.would_deny !== true) {
    return event;
  }
  const path = event.path;
  if (typeof path !== "string") return event;
  const mask = masked.find((m) => path === m || dirCovers(`${m}/`, path));
  if (mask === undefined) return event;
  return { ...event, decision: "deny", message: `refused by the mask over forbidden "${mask}"` };
}
