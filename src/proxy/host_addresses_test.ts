import assert from "node:assert/strict";
import { HostAddresses } from "./host_addresses.ts";

Deno.test("HostAddresses.current() reads interfaces every time and canonicalises them", async () => {
  let interfaces = ["127.0.0.1", "192.0.2.2", "FD00:0:0::2", "fe80::1%eth0"];
  const set = new HostAddresses(undefined, { interfaces: () => interfaces });
  assert.deepEqual([...await set.current()], ["127.0.0.1", "192.0.2.2", "fd00::2", "fe80::1"]);
  interfaces = [...interfaces, "10.1.2.3"];
  assert.ok((await set.current()).has("10.1.2.3"), "a new interface address is seen at once");
});

Deno.test("HostAddresses.current() asks the provider at most once per refresh period and keeps its last answer on failure", async () => {
  let now = 0;
  let calls = 0;
  let answer: string[] | Error = ["172.30.0.1"];
  const set = new HostAddresses(() => {
    calls++;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }, { interfaces: () => [], refreshMs: 5000, now: () => now });
  assert.deepEqual([...await set.current()], ["172.30.0.1"]);
  answer = ["172.31.0.1"];
  now = 4999;
  await Promise.all([set.current(), set.current()]);
  assert.equal(calls, 1, "within the period: no new call");
  now = 5000;
  const [a, b] = await Promise.all([set.current(), set.current()]);
  assert.equal(calls, 2, "concurrent callers share one refresh");
  assert.deepEqual([...a], ["172.31.0.1"]);
  assert.deepEqual([...b], ["172.31.0.1"]);
  answer = new Error("engine unreachable");
  now = 20000;
  assert.deepEqual([...await set.current()], ["172.31.0.1"]);
  assert.equal(calls, 3);
});
