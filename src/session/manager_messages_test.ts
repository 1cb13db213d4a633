import assert from "node:assert/strict";
import { EventLog, type LeashEvent } from "../events/mod.ts";
import { relayManagerMessage } from "./manager_messages.ts";

function relay(messages: Record<string, unknown>[]): LeashEvent[] {
  const lines: string[] = [];
  const events = new EventLog("s1", { write: (line) => lines.push(line) });
  for (const m of messages) relayManagerMessage(events, m);
  return lines.map((l) => JSON.parse(l));
}

Deno.test("relayManagerMessage() records a kernel event with its own fields and kind", () => {
  const [e] = relay([{
    type: "event",
    event: { event: "kernel.exec", decision: "deny", path: "/bin/sh" },
  }]);
  assert.equal(e?.event, "kernel.exec");
  assert.equal(e?.decision, "deny");
  assert.equal((e as unknown as Record<string, unknown>).path, "/bin/sh");
  assert.equal(e?.session, "s1");
});

Deno.test("relayManagerMessage() names a kernel event without a kind kernel.event", () => {
  const [e] = relay([{ type: "event", event: { pid: 7 } }]);
  assert.equal(e?.event, "kernel.event");
});

Deno.test("relayManagerMessage() turns drops, relay errors and lifeline changes into messages", () => {
  const events = relay([
    { type: "drops", kernel: 3 },
    { type: "relay.error", message: "accept failed" },
    { type: "lifeline", state: "closed" },
    { type: "stopped" },
  ]);
  assert.deepEqual(events.map((e) => [e.event, e.message]), [
    ["kernel.drops", "kernel ring buffer drops: 3"],
    ["kernel.relay_error", "accept failed"],
    ["boot.lifeline", "lifeline closed"],
  ]);
});
