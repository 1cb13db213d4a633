import type { Duplex } from "node:stream";
import type { StreamReader } from "./stream.ts";

/** An abort signal tied to a client, and the way to stop watching it. */
export interface ClientLeft {
  /** Aborted once the client left with nothing for the upstream. */
  signal: AbortSignal;
  /** Stops watching (the dial it guarded is over). */
  dispose(): void;
}

/**
 * Watches a relayed client while an upstream is dialled for it: the signal aborts when the
 * client's stream is closed, or ends with nothing read from it left to deliver. Such a client
 * can receive nothing, so the dial (up to the connect timeout to an address that drops SYNs)
 * is given up and the relay's slot freed: after a flood of held connections is let go, the
 * relay is below its connection limit again at once, not a timeout later.
 */
export function clientLeft(client: Duplex, reader: StreamReader): ClientLeft {
  const controller = new AbortController();
  const check = () => {
    if (client.destroyed || reader.exhausted) controller.abort();
  };
  // The reader's own listeners (added first) have marked the end by the time these run.
  client.on("end", check);
  client.on("close", check);
  check();
  return {
    signal: controller.signal,
    dispose() {
      client.off("end", check);
      client.off("close", check);
    },
  };
}
