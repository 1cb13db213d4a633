import assert from "node:assert/strict";
import { connect } from "node:tls";
import { clientHelloLength, looksLikeTls, parseClientHello } from "./client_hello.ts";

/** A real ClientHello from node:tls (with the given SNI), captured by a plain TCP listener. */
async function captureHello(servername?: string): Promise<Uint8Array> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const socket = connect({
    host: "127.0.0.1",
    port,
    ALPNProtocols: ["h2", "http/1.1"],
    ...(servername ? { servername } : {}),
  });
  socket.on("error", () => {});
  const conn = await listener.accept();
  const buffer = new Uint8Array(16 * 1024);
  let got = 0;
  while (got < 5 || got < clientHelloLength(buffer.subarray(0, got))) {
    const n = await conn.read(buffer.subarray(got));
    if (n === null) break;
    got += n;
  }
  socket.destroy();
  conn.close();
  listener.close();
  return buffer.slice(0, got);
}

Deno.test("parseClientHello() reads SNI and ALPN from a real ClientHello", async () => {
  const hello = await captureHello("API.Example.test");
  assert.ok(looksLikeTls(hello));
  assert.deepEqual(parseClientHello(hello), {
    serverName: "api.example.test",
    alpn: ["h2", "http/1.1"],
  });
});

Deno.test("parseClientHello() reports no server name for a client without SNI", async () => {
  const hello = await captureHello();
  assert.equal(parseClientHello(hello).serverName, undefined);
});

Deno.test("parseClientHello() throws SyntaxError on truncated or mutated input", async () => {
  const hello = await captureHello("a.test");
  assert.throws(() => parseClientHello(hello.subarray(0, 40)), SyntaxError);
  assert.throws(() => parseClientHello(new TextEncoder().encode("GET / HTTP/1.1")), SyntaxError);
  let seed = 3;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let i = 0; i < 3000; i++) {
    const copy = hello.slice();
    for (let j = 0; j < 4; j++) copy[5 + (next() % (copy.length - 5))] = next() & 0xff;
    try {
      parseClientHello(copy);
    } catch (error) {
      assert.ok(error instanceof SyntaxError, String(error));
    }
  }
});
