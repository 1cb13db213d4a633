import assert from "node:assert/strict";
import {
  forwardHeaders,
  HttpSyntaxError,
  keepsAlive,
  parseRequestHead,
  parseResponseHead,
  requestFraming,
  responseFraming,
} from "./http_head.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("parseRequestHead() reads the request line and fields", () => {
  const head = parseRequestHead(
    bytes("GET http://a.test/x?y HTTP/1.1\r\nHost: a.test\r\nX-A:  b \r\n\r\n"),
  );
  assert.deepEqual(head, {
    method: "GET",
    target: "http://a.test/x?y",
    version: "HTTP/1.1",
    headers: [["Host", "a.test"], ["X-A", "b"]],
  });
});

Deno.test("requestFraming() rejects request smuggling shapes", () => {
  const frame = (fields: string) =>
    requestFraming(parseRequestHead(bytes(`POST / HTTP/1.1\r\nHost: a\r\n${fields}\r\n`)));
  assert.deepEqual(frame("Content-Length: 5\r\n"), { kind: "length", length: 5 });
  assert.deepEqual(frame("Transfer-Encoding: chunked\r\n"), { kind: "chunked" });
  assert.deepEqual(frame(""), { kind: "none" });
  assert.deepEqual(frame("Content-Length: 3\r\nContent-Length: 3\r\n"), {
    kind: "length",
    length: 3,
  });
  for (
    const bad of [
      "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
      "Content-Length: 5\r\nContent-Length: 6\r\n",
      "Content-Length: -1\r\n",
      "Content-Length: 0x10\r\n",
      "Transfer-Encoding: gzip\r\n",
      "Transfer-Encoding: chunked, chunked\r\n",
    ]
  ) {
    assert.throws(() => frame(bad), HttpSyntaxError, bad);
  }
});

Deno.test("parseRequestHead() refuses malformed heads", () => {
  for (
    const bad of [
      "GET / HTTP/2.0\r\n\r\n",
      "GET  / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
      "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
      "GET / HTTP/1.1\nHost: a\r\n\r\n",
      "GET / HTTP/1.1\r\n",
    ]
  ) {
    assert.throws(() => parseRequestHead(bytes(bad)), HttpSyntaxError, JSON.stringify(bad));
  }
});

Deno.test("responseFraming() follows RFC 9112 for HEAD, 204, 304 and close-delimited bodies", () => {
  const res = (s: string) => parseResponseHead(bytes(s));
  assert.deepEqual(responseFraming("HEAD", res("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n")), {
    kind: "none",
  });
  assert.deepEqual(responseFraming("GET", res("HTTP/1.1 204 No Content\r\n\r\n")), {
    kind: "none",
  });
  assert.deepEqual(responseFraming("GET", res("HTTP/1.0 200 OK\r\n\r\n")), { kind: "close" });
  assert.equal(keepsAlive("HTTP/1.0", []), false);
  assert.equal(keepsAlive("HTTP/1.1", [["Connection", "close"]]), false);
  assert.equal(keepsAlive("HTTP/1.1", []), true);
});

Deno.test("forwardHeaders() drops hop-by-hop fields and keeps Upgrade only for upgrades", () => {
  const fields: [string, string][] = [
    ["Host", "a"],
    ["Connection", "X-Private, keep-alive"],
    ["X-Private", "1"],
    ["Proxy-Authorization", "Basic x"],
    ["Upgrade", "websocket"],
  ];
  assert.deepEqual(forwardHeaders(fields, false), [["Host", "a"]]);
  assert.deepEqual(forwardHeaders(fields, true), [["Host", "a"], ["Upgrade", "websocket"], [
    "Connection",
    "Upgrade",
  ]]);
});

Deno.test("parseRequestHead() never throws anything but HttpSyntaxError on random input", () => {
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const pieces = ["GET", "CONNECT", " ", "/", "HTTP/1.1", "\r\n", ":", "Host", "a", "\n", "\0"];
  for (let i = 0; i < 5000; i++) {
    let text = "";
    const n = next() % 20;
    for (let j = 0; j < n; j++) text += pieces[next() % pieces.length];
    text += "\r\n\r\n";
    try {
      const head = parseRequestHead(bytes(text));
      requestFraming(head);
    } catch (error) {
      assert.ok(error instanceof HttpSyntaxError, `${JSON.stringify(text)}: ${error}`);
    }
  }
});
