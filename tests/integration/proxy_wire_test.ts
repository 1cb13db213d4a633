/**
 * What the HTTP/1.1 proxy writes on the wire, judged by what a raw upstream and client read:
 * a body stays framed as the proxy forwards it (no request smuggling past the path rules through
 * `Connection: Content-Length`), and header bytes pass unchanged (found by the http_head fuzzer).
 */
import assert from "node:assert/strict";
import { portOf, startWorld, type World } from "./_proxy_harness.ts";

const POLICY = `
@id("allow-h")
permit (principal, action == Action::"NetworkConnect", resource in Host::"h.test");
@id("allow-raw-upstream")
permit (principal, action == Action::"NetworkConnect", resource in Host::"127.0.0.1");
@id("no-admin")
forbid (principal, action == Action::"HttpRequest", resource in Host::"h.test")
  when { context.path like "/admin*" };
`;

const encoder = new TextEncoder();
const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

/** Sends `request` through the world's explicit proxy and reads until the proxy closes. */
async function exchange(w: World, request: Uint8Array): Promise<Uint8Array> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: w.explicit.port });
  try {
    await conn.write(request);
    const chunks: number[] = [];
    const buffer = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) return Uint8Array.from(chunks);
      chunks.push(...buffer.subarray(0, n));
    }
  } finally {
    conn.close();
  }
}

Deno.test("proxy: a body framed by Content-Length or chunked stays framed when Connection names the field", async () => {
  const w = await startWorld({ policy: POLICY, http: ["h.test"] });
  try {
    const origin = `h.test:${portOf(w, "h.test")}`;
    const smuggled = `GET /admin/secret HTTP/1.1\r\nHost: ${origin}\r\n\r\n`;
    const chunked = `${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
    for (
      const [framing, body] of [
        [`Content-Length: ${smuggled.length}\r\nConnection: close, Content-Length`, smuggled],
        ["Transfer-Encoding: chunked\r\nConnection: close, Transfer-Encoding", chunked],
      ]
    ) {
      const answer = latin1(
        await exchange(
          w,
          encoder.encode(
            `POST http://${origin}/upload HTTP/1.1\r\nHost: ${origin}\r\n${framing}\r\n\r\n${body}`,
          ),
        ),
      );
      assert.match(answer, /^HTTP\/1\.1 200 /, answer);
      // The next request reuses the pooled upstream connection: it gets its own answer.
      const next = latin1(
        await exchange(
          w,
          encoder.encode(
            `GET http://${origin}/next HTTP/1.1\r\nHost: ${origin}\r\nConnection: close\r\n\r\n`,
          ),
        ),
      );
      assert.match(next, /hello from h\.test GET \/next\n$/, next);
    }
    const seen = w.upstreams.get("h.test")!.seen.map((s) => `${s.method} ${s.path}`);
    assert.deepEqual(seen, ["POST /upload", "GET /next", "POST /upload", "GET /next"]);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: non-ASCII header bytes reach the upstream and the client unchanged", async () => {
  const w = await startWorld({ policy: POLICY });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    const upstream = (async () => {
      const conn = await listener.accept();
      const buffer = new Uint8Array(65536);
      let head = "";
      while (!head.endsWith("\r\n\r\n")) {
        const n = await conn.read(buffer);
        if (n === null) break;
        head += latin1(buffer.subarray(0, n));
      }
      // "café.txt" in UTF-8 and a windows-1252-only byte (0x80), as a server may send them
      await conn.write(
        Uint8Array.from(
          "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n" +
            'Content-Disposition: attachment; filename="caf\xc3\xa9.txt"\r\nX-Raw: \x80\r\n\r\n',
          (c) => c.charCodeAt(0),
        ),
      );
      conn.close();
      return head;
    })();
    const answer = latin1(
      await exchange(
        w,
        Uint8Array.from(
          `GET http://127.0.0.1:${port}/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
            "X-Name: caf\xc3\xa9 \x80\r\nConnection: close\r\n\r\n",
          (c) => c.charCodeAt(0),
        ),
      ),
    );
    assert.match(await upstream, /\r\nX-Name: caf\xc3\xa9 \x80\r\n/);
    assert.match(answer, /\r\nContent-Disposition: attachment; filename="caf\xc3\xa9\.txt"\r\n/);
    assert.match(answer, /\r\nX-Raw: \x80\r\n/);
  } finally {
    listener.close();
    await w.close();
  }
});
