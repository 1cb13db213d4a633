import assert from "node:assert/strict";
import {
  challengeLine,
  newRelayNonce,
  parseRelayAnswer,
  relayMac,
  verifyRelayAnswer,
} from "./relay_auth.ts";

const secret = Uint8Array.from({ length: 32 }, (_, i) => i);
const nonce = Uint8Array.from({ length: 32 }, (_, i) => 32 + i);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

// The same vector as tests/kernel/tools/helper_unit.c's test_bridge_auth (the C bridge).
const VECTORS = {
  control: "89c5456138ca23d9152f283369abb6b32fd41954bfa0e703fcbb854f40a72b64",
  proxy: "e45dd4536c414bcaef0c2059c3ee10363b05fd3b4e4b5de08de1b9575df63906",
  dns: "0a0aab87a7d14da9a707406ccb613fd52c094004eb87868ef316e4afee54267c",
} as const;

Deno.test("relayMac() matches the C bridge's HMAC-SHA256(secret, nonce || kind)", () => {
  for (const [kind, mac] of Object.entries(VECTORS)) {
    assert.equal(hex(relayMac(secret, nonce, kind as keyof typeof VECTORS)), mac);
  }
});

Deno.test("relayMac() matches RFC 4231 test case 2 (key Jefe)", () => {
  const key = new TextEncoder().encode("Jefe");
  const mac = relayMac(key, new TextEncoder().encode("what do ya want for nothing?"), "" as "dns");
  // The kind is appended to the message: "" leaves the RFC's message as it is.
  assert.equal(hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
});

Deno.test("challengeLine() is the fixed-length line the bridge parses", () => {
  assert.equal(
    challengeLine(nonce),
    "leash-relay 1 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n",
  );
  assert.throws(() => challengeLine(new Uint8Array(4)), RangeError);
  assert.notDeepEqual(newRelayNonce(), newRelayNonce());
});

Deno.test("verifyRelayAnswer() accepts the right MAC and refuses a wrong one, another nonce or kind", () => {
  const good = parseRelayAnswer(`proxy ${VECTORS.proxy}`);
  assert.equal(verifyRelayAnswer(secret, nonce, good), true);
  const flipped = parseRelayAnswer(`proxy ${VECTORS.proxy.slice(0, 63)}7`);
  assert.equal(verifyRelayAnswer(secret, nonce, flipped), false);
  // A replayed answer to another nonce fails.
  assert.equal(verifyRelayAnswer(secret, newRelayNonce(), good), false);
  // The proxy stream's MAC does not open a control stream.
  assert.equal(verifyRelayAnswer(secret, nonce, { kind: "control", mac: good.mac }), false);
  const otherSecret = secret.map((b) => b ^ 1);
  assert.equal(verifyRelayAnswer(otherSecret, nonce, good), false);
});

Deno.test("parseRelayAnswer() refuses unknown kinds, short, uppercase or extra hex", () => {
  for (
    const line of [
      "",
      "shell " + VECTORS.proxy,
      "proxy",
      "proxy " + VECTORS.proxy.slice(2),
      "proxy " + VECTORS.proxy.toUpperCase(),
      "proxy " + VECTORS.proxy + " ",
      "proxy  " + VECTORS.proxy,
      "GET / HTTP/1.1",
    ]
  ) {
    assert.throws(() => parseRelayAnswer(line), SyntaxError, line);
  }
});
