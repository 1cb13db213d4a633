import assert from "node:assert/strict";
import type { EventFacts } from "../events/mod.ts";
import { answerQuery, PERMIT_TTL_S } from "./serve.ts";

/** A query for "a.test" of type A (1). */
const QUERY = new Uint8Array([
  0x12,
  0x34,
  0x01,
  0x00,
  0,
  1,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  0x61,
  4,
  0x74,
  0x65,
  0x73,
  0x74,
  0, // "a.test"
  0,
  1,
  0,
  1,
]);

/** RCODE and answer count of a length-prefixed response. */
function summary(framed: Uint8Array): { rcode: number; answers: number } {
  const msg = framed.subarray(2);
  return { rcode: msg[3]! & 0x0f, answers: (msg[6]! << 8) | msg[7]! };
}

function options(permit: (addrs: string[], ttlS: number) => Promise<void>) {
  const events: EventFacts[] = [];
  const order: string[] = [];
  return {
    events,
    order,
    options: {
      verdict: () => ({ allowed: true as const, rule: "*.test" }),
      mode: () => "enforce" as const,
      events: { emit: (e: EventFacts) => void events.push(e) },
      resolve: () => Promise.resolve(["192.0.2.9", "192.0.2.10"]),
      permit: async (addrs: string[], ttlS: number) => {
        order.push(`permit ${addrs.join(",")} ${ttlS}`);
        await permit(addrs, ttlS);
      },
    },
  };
}

Deno.test("answerQuery() names the answer's addresses through permit before answering", async () => {
  const o = options(() => Promise.resolve());
  const answer = await answerQuery(QUERY, o.options);
  o.order.push("answered");
  assert.deepEqual(o.order, [`permit 192.0.2.9,192.0.2.10 ${PERMIT_TTL_S}`, "answered"]);
  assert.deepEqual(summary(answer), { rcode: 0, answers: 2 });
});

Deno.test("answerQuery() answers SERVFAIL without addresses when permit fails (fail closed)", async () => {
  const o = options(() => Promise.reject(new Error("the table of DNS-named addresses is full")));
  const answer = await answerQuery(QUERY, o.options);
  assert.deepEqual(summary(answer), { rcode: 2, answers: 0 });
  assert.equal(o.events.length, 1);
  assert.equal(o.events[0]!.rcode, "SERVFAIL");
  assert.match(
    String(o.events[0]!.message),
    /answer withheld \(fail closed\): the table .* is full/,
  );
});
