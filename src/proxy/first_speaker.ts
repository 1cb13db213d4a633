/**
 * Who speaks first on a connection whose client stayed silent, decided by the bytes rather than
 * by a timer: a protocol where the server speaks first (SSH, SMTP) gets its raw tunnel, and a
 * client that was only slow (a ClientHello late under load, or on purpose) is still sniffed and
 * inspected, never handed a raw tunnel to do TLS with the upstream itself.
 */
import type { StreamReader } from "./stream.ts";

/** Which side sent bytes (or ended) first; "none" when neither did within `ms`. */
export type FirstSpeaker = "client" | "server" | "none";

/** Waits until the client or the upstream has bytes (or ended); the client wins a tie. */
export async function firstSpeaker(
  client: StreamReader,
  upstream: StreamReader,
  ms: number,
): Promise<FirstSpeaker> {
  const done = new AbortController();
  try {
    const winner = await Promise.race([
      client.waitData(ms, done.signal).then((got) => got ? "client" as const : "none" as const),
      upstream.waitData(ms, done.signal).then((got) => got ? "server" as const : "none" as const),
    ]);
    return winner;
  } finally {
    done.abort();
  }
}
