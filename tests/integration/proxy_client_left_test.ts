/**
 * A relayed connection whose upstream does not answer (its SYNs are dropped) is released as soon
 * as its client leaves with nothing sent, not after the connect timeout: the relay's slot and
 * the host's sockets come back at once after a flood of held connections is let go (issue 9,
 * class 7; the adversarial `flood-over-connection-limit` attempt end to end).
 */
import assert from "node:assert/strict";
import { startWorld } from "./_proxy_harness.ts";

const POLICY = `
@id("allow-loopback")
permit (principal, action == Action::"NetworkConnect", resource in Host::"127.0.0.1");
`;

/**
 * A loopback port whose SYNs go unanswered: a listener that never accepts, its queue filled.
 * A connect that has not completed after 2 s marks the queue full (set-up only; nothing is
 * judged by time).
 */
async function blackHole(): Promise<{ port: number; close(): void }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const fillers: Deno.Conn[] = [];
  for (let i = 0; i < 5000; i++) {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), 2000);
    try {
      fillers.push(await Deno.connect({ hostname: "127.0.0.1", port, signal: stop.signal }));
    } catch {
      break; // the queue is full: this connect was not answered
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    port,
    close() {
      for (const c of fillers) c.close();
      listener.close();
    },
  };
}

async function waitUntil(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 20));
}

Deno.test({
  name:
    "proxy: a transparent client that leaves while its unreachable upstream is dialled is released at once, the dial given up",
  // the abandoned connect attempt is closed by the engine; Deno's own bookkeeping of the
  // fillers' aborted connect can outlive the test
  sanitizeOps: false,
  async fn() {
    const hole = await blackHole();
    const w = await startWorld({ policy: POLICY });
    try {
      const bridge = w.transparent(`127.0.0.1:${hole.port}`);
      const client = await Deno.connect({ hostname: "127.0.0.1", port: bridge.port });
      // The engine decided (after its first-bytes wait) and is dialling the black hole.
      await waitUntil(() =>
        w.events.some((e) =>
          e.event === "net.connect" && e.decision === "allow" && e.port === hole.port
        )
      );
      assert.ok(w.openSockets() >= 1, "the relayed stream is held while the dial runs");
      client.close();
      // Released: without giving up the dial it is held for the 30 s connect timeout.
      await waitUntil(() => w.openSockets() === 0);
      const failed = w.events.filter((e) => e.event === "net.connect" && e.error === true);
      assert.equal(failed.length, 1, JSON.stringify(w.events));
      assert.match(String(failed[0]!.message), /the client went away/);
      assert.doesNotMatch(String(failed[0]!.message), /timed out/);
    } finally {
      await w.close();
      hole.close();
    }
  },
});
