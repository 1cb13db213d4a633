/**
 * Protocol upgrades other than WebSocket never reach an upstream (issue 9): an upstream that
 * accepts h2c (`Upgrade: h2c`, answered `101` and an HTTP/2 SETTINGS frame) used to hand the
 * client an uninspected HTTP/2 connection. Judged by the request heads the upstream received and
 * by what curl (a real h2c client) got.
 */
import assert from "node:assert/strict";
import type { Buffer } from "node:buffer";
import net from "node:net";
import { curl, startWorld, type World } from "./_proxy_harness.ts";

const POLICY = `
@id("all-test")
permit (principal, action == Action::"NetworkConnect", resource in Host::"*.test");
`;

/** An empty HTTP/2 SETTINGS frame: the server preface after a 101 to h2c. */
const SETTINGS = new Uint8Array([0, 0, 0, 4, 0, 0, 0, 0, 0]);

/**
 * A plain-HTTP upstream that switches to h2c when asked (or, `always`, on every request) and
 * records each request head it read; otherwise it answers `200 plain`.
 */
async function startH2cUpstream(always = false): Promise<
  { port: number; heads: string[]; switched: () => number; close(): Promise<void> }
> {
  const heads: string[] = [];
  let switched = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
    let pending = "";
    let upgraded = false;
    s.on("data", (chunk: Buffer) => {
      if (upgraded) return;
      pending += chunk.toString("latin1");
      const end = pending.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = pending.slice(0, end);
      pending = pending.slice(end + 4);
      heads.push(head);
      if (always || /^upgrade:\s*h2c/im.test(head)) {
        upgraded = true;
        switched++;
        s.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
        s.write(SETTINGS);
        return;
      }
      s.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nplain\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    heads,
    switched: () => switched,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function proxyArgs(w: World): string[] {
  return ["-x", `http://127.0.0.1:${w.explicit.port}`];
}

Deno.test("proxy: an h2c upgrade offer is removed; the upstream serves plain HTTP/1.1", async () => {
  const w = await startWorld({ policy: POLICY });
  const up = await startH2cUpstream();
  try {
    const url = `http://h2c.test:${up.port}/offer`;
    const explicit = await curl([...proxyArgs(w), "--http2", url]);
    const transparent = w.transparent(`127.0.0.1:${up.port}`);
    const viaTransparent = await curl([
      "--http2",
      "--connect-to",
      `h2c.test:${up.port}:127.0.0.1:${transparent.port}`,
      url,
    ]);
    assert.equal(explicit.stdout, "plain\n", explicit.stderr);
    assert.equal(viaTransparent.stdout, "plain\n", viaTransparent.stderr);
    assert.equal(up.switched(), 0);
    assert.equal(up.heads.length, 2);
    for (const head of up.heads) {
      assert.doesNotMatch(head, /^(upgrade|http2-settings):/im, head);
      assert.doesNotMatch(head, /^connection:.*upgrade/im, head);
    }
  } finally {
    await up.close();
    await w.close();
  }
});

Deno.test("proxy: other upgrade offers are removed too, WebSocket's is forwarded alone", async () => {
  const w = await startWorld({ policy: POLICY });
  const up = await startH2cUpstream();
  try {
    const url = `http://h2c.test:${up.port}/other`;
    for (
      const offer of [
        ["Upgrade: TLS/1.2", "Connection: Upgrade"],
        ["Upgrade: websocket, h2c", "Connection: Upgrade"],
        ["Upgrade: h2c", "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA", "Connection: Upgrade"],
        ["HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA"],
      ]
    ) {
      const r = await curl([...proxyArgs(w), "--http1.1", ...offer.flatMap((h) => ["-H", h]), url]);
      assert.equal(r.stdout, "plain\n", `${offer.join("; ")}: ${r.stderr}`);
    }
    assert.equal(up.switched(), 0);
    for (const head of up.heads) assert.doesNotMatch(head, /^(upgrade|http2-settings):/im, head);
  } finally {
    await up.close();
    await w.close();
  }
});

Deno.test("proxy: a 101 the proxy forwarded no offer for gets 502, never a tunnel", async () => {
  const w = await startWorld({ policy: POLICY });
  const up = await startH2cUpstream(true);
  try {
    const r = await curl([
      ...proxyArgs(w),
      "--http1.1",
      "-w",
      "\nstatus=%{http_code}\n",
      `http://h2c.test:${up.port}/rogue`,
    ]);
    assert.match(r.stdout, /^status=502$/m, r.stdout + r.stderr);
    assert.match(r.stdout, /switched protocols \(h2c\)/);
  } finally {
    await up.close();
    await w.close();
  }
});

Deno.test("proxy: h2c with prior knowledge on the transparent port gets 400", async () => {
  const w = await startWorld({ policy: POLICY });
  const up = await startH2cUpstream();
  try {
    const transparent = w.transparent(`127.0.0.1:${up.port}`);
    const r = await curl([
      "--http2-prior-knowledge",
      "--connect-to",
      `h2c.test:${up.port}:127.0.0.1:${transparent.port}`,
      `http://h2c.test:${up.port}/prior`,
    ]);
    assert.notEqual(r.code, 0);
    assert.deepEqual(up.heads, [], "the upstream got the h2 preface or a request");
  } finally {
    await up.close();
    await w.close();
  }
});
