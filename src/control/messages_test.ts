import assert from "node:assert/strict";
import { encodeHostMessage, parseManagerMessage } from "./messages.ts";

Deno.test("parseManagerMessage() accepts hello, active and error of docs/protocol.md", () => {
  const hello = parseManagerMessage(
    '{"type":"hello","protocol":1,"version":"0.1.0","kernel":"6.18","probe":{"lsm":"EPERM"}}',
  );
  assert.equal(hello.type, "hello");
  assert.equal(hello.protocol, 1);
  const active = parseManagerMessage(
    '{"type":"active","layers":{"kernel-lsm":"EPERM: attach","cgroup-net":"ok"},"relay":{"explicit":3128}}',
  );
  assert.deepEqual(active.layers, { "kernel-lsm": "EPERM: attach", "cgroup-net": "ok" });
  const error = parseManagerMessage('{"type":"error","message":"no"}');
  assert.equal(error.phase, "");
});

Deno.test("parseManagerMessage() refuses non-objects, missing type and bad known fields", () => {
  assert.throws(() => parseManagerMessage("nope"), SyntaxError);
  assert.throws(() => parseManagerMessage("[1]"), SyntaxError);
  assert.throws(() => parseManagerMessage('{"protocol":1}'), SyntaxError);
  assert.throws(() => parseManagerMessage('{"type":"hello","version":"x"}'), TypeError);
  assert.throws(() => parseManagerMessage('{"type":"active","layers":{"x":1}}'), TypeError);
  assert.throws(() => parseManagerMessage('{"type":"event","event":"x"}'), TypeError);
});

Deno.test("encodeHostMessage() writes one JSON line", () => {
  const line = encodeHostMessage({ type: "mode.set", mode: "shadow" });
  assert.equal(line, '{"type":"mode.set","mode":"shadow"}\n');
});

Deno.test("parseManagerMessage() refuses a type the protocol does not name", () => {
  assert.throws(() => parseManagerMessage('{"type":"helo","protocol":1}'), {
    name: "TypeError",
    message: 'Cannot accept control message "helo": unknown type (docs/protocol.md)',
  });
  assert.equal(parseManagerMessage('{"type":"stopped"}').type, "stopped");
});
