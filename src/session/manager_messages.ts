/** What the manager sends unasked during a session, turned into the session's events. */
import type { EventSink } from "../events/mod.ts";

/**
 * Records one unsolicited manager message: a kernel event as it came (its kind defaulting to
 * `kernel.event`), ring buffer drops, relay errors and lifeline changes as messages; other
 * types are ignored.
 */
export function relayManagerMessage(events: EventSink, message: Record<string, unknown>): void {
  if (message.type === "event" && typeof message.event === "object" && message.event) {
    const event = message.event as Record<string, unknown>;
    events.emit({
      ...event,
      event: `${event.event ?? "kernel.event"}` as `kernel.${string}`,
    });
  } else if (message.type === "drops") {
    events.emit({ event: "kernel.drops", message: `kernel ring buffer drops: ${message.kernel}` });
  } else if (message.type === "relay.error") {
    events.emit({ event: "kernel.relay_error", message: String(message.message) });
  } else if (message.type === "lifeline") {
    events.emit({ event: "boot.lifeline", message: `lifeline ${String(message.state)}` });
  }
}
