/** What the manager sends unasked during a session, turned into the session's events. */
import { type DropCounter, type EventSink, formatDrops } from "../events/mod.ts";
import { maskedOutcome } from "./mask_events.ts";

/**
 * Records one unsolicited manager message: a kernel event as it came (its kind defaulting to
 * `kernel.event`), the manager's drop counts (into `drops`, and a `kernel.drops` event naming
 * every stage), relay errors and lifeline changes as messages; other types are ignored. A failed
 * open beneath one of the session's `masked` paths is recorded as the mask's deny.
 */
export function relayManagerMessage(
  events: EventSink,
  message: Record<string, unknown>,
  drops: DropCounter,
  masked: readonly string[] = [],
): void {
  if (message.type === "event" && typeof message.event === "object" && message.event) {
    const event = maskedOutcome(message.event as Record<string, unknown>, masked);
    events.emit({
      ...event,
      event: `${event.event ?? "kernel.event"}` as `kernel.${string}`,
    });
  } else if (message.type === "drops") {
    const count = (value: unknown) => typeof value === "number" && value >= 0 ? value : 0;
    drops.setManager(count(message.kernel), count(message.control), count(message.relay_errors));
    const counts = drops.snapshot();
    events.emit({
      event: "kernel.drops",
      ...counts,
      ...(typeof message.relay === "object" && message.relay ? { relay: message.relay } : {}),
      message: `drops: ${formatDrops(counts)}`,
    });
  } else if (message.type === "relay.error") {
    events.emit({ event: "kernel.relay_error", message: String(message.message) });
  } else if (message.type === "lifeline") {
    events.emit({ event: "boot.lifeline", message: `lifeline ${String(message.state)}` });
  }
}
