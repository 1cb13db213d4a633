import assert from "node:assert/strict";
import { formatRelayAddress, parseRelayAddress, parseRelayHeader } from "./header.ts";

Deno.test("parseRelayHeader() reads the three kinds of docs/protocol.md", () => {
  assert.deepEqual(
    parseRelayHeader('{"v":1,"kind":"explicit","src":"127.0.0.1:40312","relay_port":3128}'),
    { v: 1, kind: "explicit", src: { host: "127.0.0.1", port: 40312 }, relayPort: 3128 },
  );
  assert.deepEqual(
    parseRelayHeader(
      '{"v":1,"kind":"transparent","dst":"[2606:2800:220:1::]:443","src":"[::1]:40314","relay_port":15001,"pid":42}',
    ),
    {
      v: 1,
      kind: "transparent",
      dst: { host: "2606:2800:220:1::", port: 443 },
      src: { host: "::1", port: 40314 },
      relayPort: 15001,
      pid: 42,
    },
  );
  assert.equal(parseRelayHeader('{"v":1,"kind":"dns","dst":"8.8.8.8:53"}').dst?.port, 53);
});

Deno.test("parseRelayHeader() refuses malformed headers with SyntaxError", () => {
  for (
    const line of [
      "",
      "not json",
      "[]",
      '{"v":2,"kind":"explicit"}',
      '{"v":1,"kind":"udp"}',
      '{"v":1,"kind":"transparent"}',
      '{"v":1,"kind":"transparent","dst":"example.com:443"}',
      '{"v":1,"kind":"transparent","dst":"1.2.3.4:0"}',
      '{"v":1,"kind":"transparent","dst":"1.2.3.4:70000"}',
      `{"v":1,"kind":"explicit","x":"${"a".repeat(1100)}"}`,
    ]
  ) {
    assert.throws(() => parseRelayHeader(line), SyntaxError, line.slice(0, 40));
  }
  assert.throws(() => parseRelayHeader('{"v":2,"kind":"explicit"}'), /upgrade both halves/);
});

Deno.test("parseRelayHeader() never throws anything but SyntaxError on random input", () => {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const alphabet = '{}[]":,v1kindexplicttransparentdst0123456789.:[]\\ ';
  for (let i = 0; i < 5000; i++) {
    let line = "";
    const length = next() % 80;
    for (let j = 0; j < length; j++) line += alphabet[next() % alphabet.length];
    try {
      parseRelayHeader(line);
    } catch (error) {
      assert.ok(error instanceof SyntaxError, `${line}: ${error}`);
    }
  }
});

Deno.test("formatRelayAddress() brackets IPv6", () => {
  assert.equal(formatRelayAddress(parseRelayAddress("[::1]:80")), "[::1]:80");
  assert.equal(formatRelayAddress(parseRelayAddress("10.0.0.1:8080")), "10.0.0.1:8080");
});
