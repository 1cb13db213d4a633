/** The end-of-session summary: how many events were recorded and what was lost at each stage. */
import { join } from "node:path";
import { type DropCounter, type EventLog, formatDrops } from "../events/mod.ts";

/**
 * Writes the summary as a `session.drops` event (the log's drops line) and one line through
 * `note` (stderr).
 */
export async function summarizeEvents(
  events: EventLog,
  drops: DropCounter,
  logs: string,
  note: (text: string) => Promise<void>,
): Promise<void> {
  const counts = drops.snapshot();
  const lost = drops.lostEvents();
  const line = `drops: ${formatDrops(counts)}`;
  events.emit({ event: "session.drops", ...counts, lost, message: line });
  await note(
    `leash: events: ${events.seq} recorded in ${join(logs, "events.ndjson")}; ${
      lost === 0 ? "none lost" : `${lost} LOST`
    } (${line})\n`,
  );
}
