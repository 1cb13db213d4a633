import assert from "node:assert/strict";
import { LineSplitter } from "./line_reader.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("LineSplitter.push() joins lines split across chunks and keeps the rest", () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push(bytes('{"a":')), []);
  assert.deepEqual(s.push(bytes('1}\n{"b"')), ['{"a":1}']);
  assert.equal(s.pendingBytes, 4);
  assert.deepEqual(s.push(bytes(":2}\n\n")), ['{"b":2}', ""]);
  assert.equal(s.pendingBytes, 0);
});

Deno.test("LineSplitter.push() decodes UTF-8 split inside a character", () => {
  const s = new LineSplitter();
  const all = bytes("é\n");
  assert.deepEqual(s.push(all.subarray(0, 1)), []);
  assert.deepEqual(s.push(all.subarray(1)), ["é"]);
});

Deno.test("LineSplitter.push() throws RangeError past the line limit", () => {
  const s = new LineSplitter({ maxBytes: 8 });
  assert.deepEqual(s.push(bytes("12345678\n")), ["12345678"]);
  s.push(bytes("12345"));
  assert.throws(() => s.push(bytes("6789")), RangeError);
});
