import assert from "node:assert/strict";
import { DropCounter, EventLog, type LeashEvent } from "../events/mod.ts";
import { relayManagerMessage } from "./manager_messages.ts";

function relay(messages: Record<string, unknown>[], drops = new DropCounter()): LeashEvent[] {
  const lines: string[] = [];
  const events = new EventLog("s1", { write: (line) => lines.push(line) });
  for (const m of messages) relayManagerMessage(events, m, drops);
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
    [
      "kernel.drops",
      "drops: kernel ring buffer 3, manager queue 0, event writer 0, UI clients 0, rotated away 0; relay errors coalesced 0",
    ],
    ["kernel.relay_error", "accept failed"],
    ["boot.lifeline", "lifeline closed"],
  ]);
});

Deno.test("relayManagerMessage() counts the manager's queue drops, not only the kernel's", () => {
  const drops = new DropCounter();
  const [first, second] = relay([
    { type: "drops", kernel: 0, control: 165000, relay_errors: 12 },
    { type: "drops", kernel: 2, control: 165003, relay_errors: 12 },
  ], drops);
  assert.equal(first?.manager, 165000);
  assert.equal(second?.kernel, 2);
  assert.match(String(second?.message), /manager queue 165003/);
  assert.deepEqual(drops.snapshot(), {
    kernel: 2,
    manager: 165003,
    relay_errors: 12,
    writer: 0,
    ui: 0,
    rotated: 0,
  });
  assert.equal(drops.lostEvents(), 165005);
});
