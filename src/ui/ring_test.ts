import assert from "node:assert/strict";
import { EventLog } from "../events/mod.ts";
import { EventRing } from "./ring.ts";

function filled(size: number, count: number): { ring: EventRing; log: EventLog } {
  const log = new EventLog("s1", { write: () => {} });
  const ring = new EventRing(log, size);
  for (let i = 0; i < count; i++) log.emit({ event: "boot.staging", message: `e${i}` });
  return { ring, log };
}

Deno.test("EventRing.after() returns the events after a sequence number, oldest first", () => {
  const { ring, log } = filled(10, 4);
  const seqs = ring.after(0).map((e) => e.seq);
  assert.equal(seqs.length, 4);
  assert.equal(seqs.at(-1), log.seq);
  assert.deepEqual(ring.after(seqs[1]!).map((e) => e.seq), seqs.slice(2));
  assert.deepEqual(ring.after(log.seq), []);
  assert.equal(ring.oldest, seqs[0]);
  ring.close();
});

Deno.test("EventRing keeps only the last `size` events, however many came, and `limit` keeps the newest", () => {
  for (const count of [10, 11, 12, 13, 40]) {
    const { ring, log } = filled(10, count);
    const all = ring.after(0).map((e) => e.seq);
    assert.equal(all.length, 10, `after ${count} events`);
    assert.equal(all.at(-1), log.seq);
    assert.equal(all[0], log.seq - 9);
    assert.equal(ring.oldest, log.seq - 9);
    assert.deepEqual(ring.after(0, 3).map((e) => e.seq), all.slice(-3));
    assert.deepEqual(ring.after(all[7]!, 5).map((e) => e.seq), all.slice(8));
    ring.close();
  }
});

Deno.test("EventRing.oldest is 0 and after() empty before any event; close() stops taking events", () => {
  const { ring, log } = filled(5, 0);
  assert.equal(ring.oldest, 0);
  assert.deepEqual(ring.after(0), []);
  ring.close();
  log.emit({ event: "boot.staging", message: "late" });
  assert.deepEqual(ring.after(0), []);
});
