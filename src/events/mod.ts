/** Events of DESIGN.md §6: the record, the session log with fan-out, secret masking. */
export type { EventFacts, EventKind, EventSink, LeashEvent } from "./event.ts";
export { EventLog, type EventLogOptions, type EventSubscriber } from "./log.ts";
export { Redactor } from "./redact.ts";
export { DropCounter, type DropCounts, formatDrops } from "./drops.ts";
export {
  EVENTS_FILES,
  EVENTS_MAX_BYTES,
  RotatingLog,
  type RotatingLogOptions,
  rotationFromEnv,
} from "./rotate.ts";
