import type { EngineApi } from "./_api.ts";
import { JsonLinesStream } from "./json_lines.ts";
import type { DockerEvent, Filters } from "./types.ts";

/** Options of `events()`. */
export interface EventsOptions {
  /** e.g. `{type: ["container"], label: ["leash.session=abc"]}`. @default {all events} */
  filters?: Filters | undefined;
  /**
   * Replay events since this time (Unix seconds, or a duration like "10m").
   * @default {the time of the call}
   */
  since?: number | string | undefined;
  /** End the stream at this time. @default {never} */
  until?: number | string | undefined;
  /** Aborting ends the subscription; the stream then errors with the abort reason. */
  signal?: AbortSignal | undefined;
}

/**
 * Subscribes to engine events. The engine answers before it registers the subscription, so
 * `since` defaults to the time of the call: the engine replays what happened in between, and
 * every event caused after `events()` was called is seen.
 */
export async function streamEvents(
  api: EngineApi,
  options: EventsOptions = {},
): Promise<ReadableStream<DockerEvent>> {
  const response = await api.request("GET", "/events", {
    query: {
      filters: options.filters,
      since: options.since ?? unixSeconds(Date.now()),
      until: options.until,
    },
    signal: options.signal,
  });
  const body = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  return body.pipeThrough(new JsonLinesStream()) as ReadableStream<DockerEvent>;
}

/** Milliseconds since the epoch as the engine's `seconds.nanoseconds` timestamp. */
function unixSeconds(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${seconds}.${String((ms - seconds * 1000) * 1_000_000).padStart(9, "0")}`;
}
