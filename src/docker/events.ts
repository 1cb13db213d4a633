import type { EngineApi } from "./_api.ts";
import { JsonLinesStream } from "./json_lines.ts";
import type { DockerEvent, Filters } from "./types.ts";

/** Options of `events()`. */
export interface EventsOptions {
  /** e.g. `{type: ["container"], label: ["leash.session=abc"]}`. @default {all events} */
  filters?: Filters;
  /** Replay events since this time (Unix seconds, or a duration like "10m"). @default {now} */
  since?: number | string;
  /** End the stream at this time. @default {never} */
  until?: number | string;
  /** Aborting ends the subscription; the stream then errors with the abort reason. */
  signal?: AbortSignal;
}

/**
 * Subscribes to engine events. Resolves once the engine has accepted the subscription, so
 * events caused after this resolves are seen.
 */
export async function streamEvents(
  api: EngineApi,
  options: EventsOptions = {},
): Promise<ReadableStream<DockerEvent>> {
  const response = await api.request("GET", "/events", {
    query: { filters: options.filters, since: options.since, until: options.until },
    signal: options.signal,
  });
  const body = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  return body.pipeThrough(new JsonLinesStream()) as ReadableStream<DockerEvent>;
}
