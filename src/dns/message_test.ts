import assert from "node:assert/strict";
import { addressData, buildResponse, parseQuery, RCODE } from "./message.ts";
import { dnsAllowed, dnsVerdict } from "./allow.ts";
import { compilePolicy } from "../policy/mod.ts";

const QUERY = new Uint8Array([
  0xab,
  0xcd,
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
  3,
  0x57,
  0x77,
  0x77,
  1,
  0x61,
  0, // "Www.a"
  0,
  28,
  0,
  1,
]);

Deno.test("parseQuery() reads id, name (lower-cased) and type", () => {
  const q = parseQuery(QUERY);
  assert.equal(q.id, 0xabcd);
  assert.equal(q.rd, true);
  assert.equal(q.name, "www.a");
  assert.equal(q.type, 28);
});

Deno.test("buildResponse() echoes the question and encodes answers", () => {
  const q = parseQuery(QUERY);
  const data = addressData("2001:db8::1")!;
  const r = buildResponse(q, RCODE.noError, [{ ...data, ttl: 60 }]);
  assert.deepEqual([...r.subarray(0, 8)], [0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 1]);
  assert.deepEqual([...r.subarray(12, 12 + q.question.length)], [...q.question]);
  assert.deepEqual([...r.subarray(r.length - 16)], [
    0x20,
    0x01,
    0x0d,
    0xb8,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    1,
  ]);
  assert.equal(buildResponse(q, RCODE.nxDomain)[3]! & 0xf, 3);
});

Deno.test("parseQuery() refuses responses, compression and truncation", () => {
  const response = QUERY.slice();
  response[2] = 0x81;
  assert.throws(() => parseQuery(response), /it is a response/);
  const pointer = QUERY.slice();
  pointer[12] = 0xc0;
  assert.throws(() => parseQuery(pointer), /compressed/);
  assert.throws(() => parseQuery(QUERY.subarray(0, 20)), SyntaxError);
});

Deno.test("dnsAllowed() matches names, *.suffix (subdomains only) and *", () => {
  assert.equal(dnsAllowed(["a.test"], "a.test"), "a.test");
  assert.equal(dnsAllowed(["*.a.test"], "x.a.test"), "*.a.test");
  assert.equal(dnsAllowed(["*.a.test"], "a.test"), undefined);
  assert.equal(dnsAllowed(["*.a.test"], "xa.test"), undefined);
  assert.equal(dnsAllowed(["*"], "anything"), "*");
});

Deno.test("dnsVerdict() refuses a name a forbid denies on every port, even under a permit", () => {
  const { ir } = compilePolicy(`
@id("cdn")
permit (principal, action == Action::"NetworkConnect", resource in Host::"*.cdn.test");
@id("no-tracker")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"tracker.cdn.test");
@id("no-443")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"web.cdn.test:443");
@id("no-evil")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"*.evil.cdn.test");
`);
  assert.deepEqual(dnsVerdict(ir, "a.cdn.test"), { allowed: true, rule: "*.cdn.test" });
  assert.deepEqual(dnsVerdict(ir, "tracker.cdn.test"), { allowed: false, rule: "no-tracker" });
  assert.deepEqual(dnsVerdict(ir, "web.cdn.test"), { allowed: true, rule: "*.cdn.test" });
  assert.deepEqual(dnsVerdict(ir, "x.evil.cdn.test"), { allowed: false, rule: "no-evil" });
  assert.deepEqual(dnsVerdict(ir, "other.test"), { allowed: false, rule: null });
});
