import assert from "node:assert/strict";
import { MarkerVersionError } from "./errors.ts";
import { parseBootstrapReady, parseEntryReady } from "./markers.ts";
import { type PollClock, waitForMarker } from "./wait_marker.ts";

function fakeClock(): PollClock & { slept: number } {
  let t = 0;
  return {
    slept: 0,
    now: () => t,
    sleep(ms) {
      t += ms;
      this.slept += ms;
      return Promise.resolve();
    },
  };
}

/** A reader whose file appears with `text` once the clock reaches `at`. */
function appearing(clock: PollClock, steps: [number, string][]) {
  return (_path: string) => {
    let text: string | undefined;
    for (const [at, value] of steps) if (clock.now() >= at) text = value;
    return Promise.resolve(text);
  };
}

const ready = (nonce: string) =>
  JSON.stringify({ protocol: 1, pid: 1, hostname: "h", timestamp: "2026-01-01T00:00:00Z", nonce });

Deno.test("waitForMarker() resolves once the marker appears", async () => {
  const clock = fakeClock();
  const read = appearing(clock, [[50, '{"protocol":1,"pid":1,"version":"0.1.0"}']]);
  const result = await waitForMarker("/x", { parse: parseEntryReady, deadline: 1000, read, clock });
  assert.deepEqual(result, { ok: true, value: { protocol: 1, pid: 1, version: "0.1.0" } });
  assert.equal(clock.now(), 50);
});

Deno.test("waitForMarker() ignores a stale nonce until this session's marker replaces it", async () => {
  const clock = fakeClock();
  const read = appearing(clock, [[0, ready("old")], [30, ready("mine")]]);
  const parse = (t: string) => parseBootstrapReady(t, "mine");
  const result = await waitForMarker("/x", { parse, deadline: 1000, read, clock });
  assert.ok(result.ok && result.value.nonce === "mine");
  assert.equal(clock.now(), 30);
});

Deno.test("waitForMarker() reports a timeout at the deadline", async () => {
  const clock = fakeClock();
  const read = () => Promise.resolve(undefined);
  const result = await waitForMarker("/x", { parse: parseEntryReady, deadline: 95, read, clock });
  assert.deepEqual(result, { ok: false, reason: "timeout" });
  assert.equal(clock.now(), 95);
});

Deno.test("waitForMarker() throws a version mismatch at once", async () => {
  const clock = fakeClock();
  const read = () => Promise.resolve('{"pid":1,"version":"0.0.1"}');
  await assert.rejects(
    waitForMarker("/x", { parse: parseEntryReady, deadline: 1000, read, clock }),
    MarkerVersionError,
  );
  assert.equal(clock.now(), 0);
});

Deno.test("waitForMarker() stops when check() throws", async () => {
  const clock = fakeClock();
  const read = () => Promise.resolve(undefined);
  let calls = 0;
  const check = () => {
    if (++calls === 3) throw new Error("target exited");
  };
  await assert.rejects(
    waitForMarker("/x", { parse: parseEntryReady, deadline: 1000, read, clock, check }),
    /target exited/,
  );
  assert.equal(calls, 3);
});

Deno.test("waitForMarker() backs off from intervalMs to maxIntervalMs between empty polls", async () => {
  const clock = fakeClock();
  const pauses: number[] = [];
  const sleep = clock.sleep.bind(clock);
  clock.sleep = (ms) => {
    pauses.push(ms);
    return sleep(ms);
  };
  const read = appearing(clock, [[1000, '{"protocol":1,"pid":1,"version":"0.1.0"}']]);
  const result = await waitForMarker("/x", {
    parse: parseEntryReady,
    deadline: 5000,
    read,
    clock,
    intervalMs: 20,
    maxIntervalMs: 250,
  });
  assert.equal(result.ok, true);
  assert.deepEqual(pauses.slice(0, 6), [20, 40, 80, 160, 250, 250]);
});
