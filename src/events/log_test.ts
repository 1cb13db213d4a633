import assert from "node:assert/strict";
import type { LeashEvent } from "./event.ts";
import { EventLog } from "./log.ts";
import { Redactor } from "./redact.ts";

const fixed = () => new Date("2026-11-23T20:00:00.000Z");

Deno.test("EventLog.emit() stamps time, gapless seq and session and writes NDJSON", () => {
  const lines: string[] = [];
  const log = new EventLog("s1", { write: (line) => lines.push(line), now: fixed });
  log.emit({ event: "boot.staging" });
  log.emit({ event: "file.open", decision: "deny", path: "/etc/shadow", layer: "landlock" });
  assert.equal(lines.length, 2);
  assert.ok(lines.every((line) => line.endsWith("\n")));
  const second = JSON.parse(lines[1]!);
  assert.deepEqual(second, {
    time: "2026-11-23T20:00:00.000Z",
    seq: 2,
    session: "s1",
    event: "file.open",
    decision: "deny",
    path: "/etc/shadow",
    layer: "landlock",
  });
});

Deno.test("EventLog.emit() masks secret values everywhere, nested too", () => {
  const redactor = new Redactor();
  redactor.add("API_KEY", "sk-live-123456");
  const lines: string[] = [];
  const log = new EventLog("s1", { write: (line) => lines.push(line), redactor, now: fixed });
  log.emit({
    event: "http.rewrite",
    message: "set x-api-key: sk-live-123456",
    headers: [{ name: "x-api-key", value: "Bearer sk-live-123456" }],
  });
  assert.ok(!lines[0]!.includes("sk-live-123456"));
  assert.match(lines[0]!, /set x-api-key: «secret:API_KEY»/);
  assert.match(lines[0]!, /Bearer «secret:API_KEY»/);
});

Deno.test("EventLog counts what a slow subscriber loses instead of hiding it", () => {
  const log = new EventLog("s1", { now: fixed });
  const received: LeashEvent[] = [];
  const slow = { push: (event: LeashEvent) => received.length < 1 && received.push(event) > 0 };
  const unsubscribe = log.subscribe(slow);
  log.emit({ event: "boot.a" });
  log.emit({ event: "boot.b" });
  log.emit({ event: "boot.c" });
  assert.equal(received.length, 1);
  assert.equal(log.lost(slow), 2);
  assert.equal(log.lost(), 2);
  unsubscribe();
  log.emit({ event: "boot.d" });
  assert.equal(log.lost(), 2);
  assert.equal(log.seq, 4);
});

Deno.test("Redactor refuses secrets too short to mask safely and prefers the longest match", () => {
  const redactor = new Redactor();
  assert.throws(() => redactor.add("PIN", "123"), /Cannot protect secret "PIN"/);
  redactor.add("SHORT", "abcd");
  redactor.add("LONG", "abcdefgh");
  assert.equal(redactor.text("x abcdefgh y abcd"), "x «secret:LONG» y «secret:SHORT»");
});
