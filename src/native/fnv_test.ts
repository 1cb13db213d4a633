import assert from "node:assert/strict";
import { fnv1a64 } from "./fnv.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("fnv1a64() matches the reference vectors", () => {
  assert.equal(fnv1a64(text("")), 0xcbf29ce484222325n);
  assert.equal(fnv1a64(text("a")), 0xaf63dc4c8601ec8cn);
  assert.equal(fnv1a64(text("foobar")), 0x85944171f73967e8n);
});

Deno.test("fnv1a64() tells a path from its longer sibling", () => {
  assert.notEqual(fnv1a64(text("/etc/passwd")), fnv1a64(text("/etc/passwd-x")));
});
