/**
 * Issue 9, classes 3 and 4, through the real proxy with real upstreams on loopback, judged by
 * what the upstreams received on the wire:
 * - domain fronting: a request whose Host / `:authority` / absolute URL names another host
 *   than the connection's (TLS server name, CONNECT target, the transparent connection's first
 *   Host) is refused (421) on every request of a keep-alive or multiplexed connection, over
 *   HTTP/1.1, HTTP/2 and WebSocket upgrades;
 * - path rules: every spelling of a forbidden path is judged as the origin would read it, and
 *   what is forwarded is what was judged; ambiguous encodings are refused (400).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import { startH2Upstream, type TestUpstream } from "./_h2_upstream.ts";
import { startWorld, type World } from "./_proxy_harness.ts";
import { startWireUpstream, WireClient, type WireUpstream } from "./_raw_wire.ts";

const POLICY = `
@id("front")
permit (principal, action == Action::"NetworkConnect", resource in Host::"front.test");
@id("plain")
permit (principal, action == Action::"NetworkConnect", resource in Host::"plain.test");
@id("other")
permit (principal, action == Action::"NetworkConnect", resource in Host::"other.test");
@id("loopback")
permit (principal, action == Action::"NetworkConnect", resource in Host::"127.0.0.0/8");
@id("h2")
permit (principal, action == Action::"NetworkConnect", resource in Host::"h2.test");
@id("no-admin")
forbid (principal, action == Action::"HttpRequest", resource)
  when { context.path like "/admin*" };
`;

interface JudgeWorld {
  w: World;
  leashCa: string;
  /** TLS upstream for front.test (denied.test is in no rule). */
  front: WireUpstream;
  /** Plain upstream for plain.test and other.test. */
  plain: WireUpstream;
  h2: TestUpstream;
  [Symbol.asyncDispose](): Promise<void>;
}

async function judgeWorld(): Promise<JudgeWorld> {
  const w = await startWorld({ policy: POLICY });
  const front = await startWireUpstream("front.test", w.upstreamCa);
  const plain = await startWireUpstream("plain.test");
  const h2 = await startH2Upstream("h2.test", w.upstreamCa);
  return {
    w,
    leashCa: await Deno.readTextFile(w.leashCaPath),
    front,
    plain,
    h2,
    async [Symbol.asyncDispose]() {
      await w.close();
      await front.close();
      await plain.close();
      await h2.close();
    },
  };
}

function get(target: string, host: string, extra = ""): string {
  return `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
}

Deno.test("proxy judge: HTTP/1.1 over TLS refuses every request whose Host is not the TLS server name, keep-alive included", async () => {
  await using jw = await judgeWorld();
  const { w, front } = jw;
  const p = front.port;
  const fronting = [
    `denied.test:${p}`,
    "denied.test",
    `front.test:${p + 1}`,
    `front.test`, // port 443 is not the connection's
    `127.0.0.1:${p}`,
    `front.test.evil:${p}`,
  ];
  for (const host of fronting) {
    const c = await WireClient.tunnel(w.explicit.port, "front.test", p, jw.leashCa);
    // The first request is the connection's own; the second fronts on the same connection.
    c.send(get("/first", `FRONT.test.:${p}`));
    assert.equal((await c.response()).status, 200, host);
    c.send(get("/fronted", host));
    const r = await c.response();
    assert.equal(r.status, 421, host);
    assert.match(r.body, /misdirected request refused: the request names/, host);
    assert.equal((await c.response()).status, null, `${host}: the connection is closed`);
    c.close();
  }
  // An absolute-form target names its own authority: it must be the connection's and Host's.
  for (
    const [target, host] of [
      [`https://denied.test:${p}/abs`, `front.test:${p}`],
      [`https://front.test:${p}/abs`, `denied.test:${p}`],
      [`http://front.test:${p}/abs`, `front.test:${p}`],
    ]
  ) {
    const c = await WireClient.tunnel(w.explicit.port, "front.test", p, jw.leashCa);
    c.send(get(target!, host!));
    const r = await c.response();
    assert.ok(r.status === 421 || r.status === 400, `${target} / ${host}: ${r.status}`);
    c.close();
  }
  const c = await WireClient.tunnel(w.explicit.port, "front.test", p, jw.leashCa);
  c.send(get(`https://front.test:${p}/abs-ok`, `front.test:${p}`));
  assert.equal((await c.response()).status, 200);
  c.close();
  // What arrived: the connections' own requests, each with the judged Host, nothing fronted.
  assert.deepEqual(
    front.seen.map((s) => [s.line, s.host]),
    [
      ...fronting.map(() => ["GET /first HTTP/1.1", [`front.test:${p}`]]),
      ["GET /abs-ok HTTP/1.1", [`front.test:${p}`]],
    ],
  );
  const refused = w.events.filter((e) => e.event === "http.request" && e.status === 421);
  assert.equal(refused.length, fronting.length + 2);
  assert.ok(refused.every((e) => e.decision === "deny"));
});

Deno.test("proxy judge: plain HTTP refuses fronting through a CONNECT tunnel, the transparent port (keep-alive) and absolute-form", async () => {
  await using jw = await judgeWorld();
  const { w, plain } = jw;
  const p = plain.port;
  // A CONNECT tunnel to plain.test carrying plain HTTP for other.test (also permitted).
  const tunnel = await WireClient.connect(w.explicit.port);
  tunnel.send(`CONNECT plain.test:${p} HTTP/1.1\r\nHost: plain.test:${p}\r\n\r\n`);
  assert.equal((await tunnel.response()).status, 200);
  tunnel.send(get("/tunnel-ok", `plain.test:${p}`));
  assert.equal((await tunnel.response()).status, 200);
  tunnel.send(get("/tunnel-fronted", `other.test:${p}`));
  assert.equal((await tunnel.response()).status, 421);
  tunnel.close();
  // An IP-literal connection: another spelling of the same address is the same authority.
  const literal = await WireClient.connect(w.explicit.port);
  literal.send(`CONNECT 127.0.0.1:${p} HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n\r\n`);
  assert.equal((await literal.response()).status, 200);
  literal.send(get("/literal-ok", `[::FFFF:127.0.0.1]:${p}`));
  assert.equal((await literal.response()).status, 200);
  literal.send(get("/literal-fronted", `127.0.0.2:${p}`));
  assert.equal((await literal.response()).status, 421);
  literal.close();
  // Transparent: the first request's Host binds the connection; a second one may not switch.
  const bridge = w.transparent(`127.0.0.1:${p}`);
  const t = await WireClient.connect(bridge.port);
  t.send(get("/transparent-ok", `plain.test:${p}`));
  assert.equal((await t.response()).status, 200);
  t.send(get("/transparent-fronted", `other.test:${p}`));
  assert.equal((await t.response()).status, 421);
  t.close();
  // ... and its port must be the original destination's.
  const t2 = await WireClient.connect(bridge.port);
  t2.send(get("/transparent-port", `plain.test:${p + 1}`));
  assert.equal((await t2.response()).status, 421);
  t2.close();
  // Explicit proxy: the URL and the Host must agree.
  const e = await WireClient.connect(w.explicit.port);
  e.send(get(`http://plain.test:${p}/explicit-fronted`, `other.test:${p}`));
  assert.equal((await e.response()).status, 421);
  e.close();
  const e2 = await WireClient.connect(w.explicit.port);
  e2.send(get(`http://plain.test:${p}/explicit-ok`, `PLAIN.TEST:${p}`));
  assert.equal((await e2.response()).status, 200);
  e2.close();
  assert.deepEqual(plain.seen.map((s) => [s.line, s.host]), [
    ["GET /tunnel-ok HTTP/1.1", [`plain.test:${p}`]],
    ["GET /literal-ok HTTP/1.1", [`127.0.0.1:${p}`]],
    ["GET /transparent-ok HTTP/1.1", [`plain.test:${p}`]],
    ["GET /explicit-ok HTTP/1.1", [`plain.test:${p}`]],
  ]);
});

Deno.test("proxy judge: a WebSocket upgrade fronting another host is refused and reaches nothing", async () => {
  await using jw = await judgeWorld();
  const { w, front } = jw;
  const p = front.port;
  const upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  for (const host of [`denied.test:${p}`, `other.test:${p}`]) {
    const c = await WireClient.tunnel(w.explicit.port, "front.test", p, jw.leashCa);
    c.send(get("/ws", host, upgrade));
    assert.equal((await c.response()).status, 421, host);
    c.close();
  }
  const c = await WireClient.tunnel(w.explicit.port, "front.test", p, jw.leashCa);
  c.send(get("/ws-admin/../admin", `front.test:${p}`, upgrade));
  assert.equal((await c.response()).status, 403);
  c.close();
  assert.deepEqual(front.seen, []);
});

/** An HTTP/2 session with h2.test through the explicit proxy. */
async function h2Through(jw: JudgeWorld): Promise<http2.ClientHttp2Session> {
  const raw = net.connect({ host: "127.0.0.1", port: jw.w.explicit.port });
  await new Promise<void>((resolve, reject) => {
    raw.once("connect", resolve);
    raw.once("error", reject);
  });
  const authority = `h2.test:${jw.h2.port}`;
  raw.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  await new Promise<void>((resolve) => raw.once("data", () => resolve()));
  raw.pause();
  const secure = tls.connect({
    socket: raw,
    servername: "h2.test",
    ca: jw.leashCa,
    ALPNProtocols: ["h2"],
  });
  await new Promise<void>((resolve, reject) => {
    secure.once("secureConnect", resolve);
    secure.once("error", reject);
  });
  assert.equal(secure.alpnProtocol, "h2");
  const session = http2.connect(`https://${authority}`, { createConnection: () => secure });
  session.on("error", () => {});
  return session;
}

function exchange(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": "GET", ...headers }, { endStream: true });
    let status = 0;
    const parts: Buffer[] = [];
    stream.on("response", (h) => status = Number(h[":status"]));
    stream.on("data", (c: Buffer) => parts.push(c));
    stream.on("end", () => resolve({ status, body: Buffer.concat(parts).toString() }));
    stream.on("error", reject);
  });
}

Deno.test("proxy judge: HTTP/2 judges every stream's :authority and path, multiplexed on one connection", async () => {
  await using jw = await judgeWorld();
  const p = jw.h2.port;
  const session = await h2Through(jw);
  try {
    // All at once on one connection: the good ones arrive, the others are refused.
    const cases: [http2.OutgoingHttpHeaders, number][] = [
      [{ ":path": "/ok-1", ":authority": `h2.test:${p}` }, 200],
      [{ ":path": "/fronted", ":authority": `denied.test:${p}` }, 421],
      [{ ":path": "/fronted-port", ":authority": `h2.test:${p + 1}` }, 421],
      [{ ":path": "/fronted-host", ":authority": `h2.test:${p}`, host: `denied.test:${p}` }, 400],
      [{ ":path": "/ok-2", ":authority": `H2.TEST.:${p}` }, 200],
      [{ ":path": "/x/../admin", ":authority": `h2.test:${p}` }, 403],
      [{ ":path": "//admin", ":authority": `h2.test:${p}` }, 403],
      [{ ":path": "/%61dmin", ":authority": `h2.test:${p}` }, 403],
      [{ ":path": "/%2e/admin", ":authority": `h2.test:${p}` }, 403],
      [{ ":path": "/x%2f..%2fadmin", ":authority": `h2.test:${p}` }, 400],
      [{ ":path": "/a/./b/../%7euser?q=/../%2f", ":authority": `h2.test:${p}` }, 200],
    ];
    const results = await Promise.all(cases.map(([h]) => exchange(session, h)));
    assert.deepEqual(
      results.map((r, i) => [cases[i]![0][":path"], r.status]),
      cases.map(([h, status]) => [h[":path"], status]),
    );
    const seen = jw.h2.seen.map((s) => [s.headers[":path"], s.headers[":authority"]]).sort();
    assert.deepEqual(seen, [
      ["/a/~user?q=/../%2f", `h2.test:${p}`],
      ["/ok-1", `h2.test:${p}`],
      ["/ok-2", `h2.test:${p}`],
    ]);
    assert.equal(new Set(jw.h2.seen.map((s) => s.remotePort)).size, 1);
  } finally {
    session.close();
  }
});

Deno.test("proxy judge: every spelling of a forbidden path is refused over HTTP/1.1; the upstream gets the normalised path", async () => {
  await using jw = await judgeWorld();
  const { w, front, plain } = jw;
  const fp = front.port;
  const bypasses = [
    "/admin",
    "/x/../admin",
    "//admin",
    "/./admin",
    "/%61dmin",
    "/%2e/admin",
    "/%2E%2E/admin/users",
    "/a/b/../../admin?x=1",
    "///admin//",
  ];
  const ambiguous = [
    "/x%2fadmin",
    "/x%5cadmin",
    "/admin%00",
    "/%252e%252e/admin",
    "/x\\admin",
    "/%zz",
    "/x/..;/admin",
  ];
  // Keep-alive: one TLS connection carries every attempt (403 keeps it; 400 closes it).
  const c = await WireClient.tunnel(w.explicit.port, "front.test", fp, jw.leashCa);
  for (const path of bypasses) {
    c.send(get(path, `front.test:${fp}`));
    const r = await c.response();
    assert.equal(r.status, 403, path);
    assert.match(r.body, /denied by rule "no-admin"/, path);
  }
  c.send(get("/public/./x/../%7Euser/%41?q=/../admin", `front.test:${fp}`));
  assert.equal((await c.response()).status, 200);
  c.close();
  for (const path of ambiguous) {
    const a = await WireClient.tunnel(w.explicit.port, "front.test", fp, jw.leashCa);
    a.send(get(path, `front.test:${fp}`));
    assert.equal((await a.response()).status, 400, path);
    a.close();
  }
  // Explicit plain HTTP (absolute-form) goes through the same stage.
  const pp = plain.port;
  for (const path of ["/x/../admin", "/%61dmin", "//admin"]) {
    const e = await WireClient.connect(w.explicit.port);
    e.send(get(`http://plain.test:${pp}${path}`, `plain.test:${pp}`));
    assert.equal((await e.response()).status, 403, path);
    e.close();
  }
  const e = await WireClient.connect(w.explicit.port);
  e.send(get(`http://plain.test:${pp}/a//b/./c/%2e%2e/d`, `plain.test:${pp}`));
  assert.equal((await e.response()).status, 200);
  e.close();
  assert.deepEqual(front.seen.map((s) => s.line), ["GET /public/~user/A?q=/../admin HTTP/1.1"]);
  assert.deepEqual(plain.seen.map((s) => s.line), ["GET /a/b/d HTTP/1.1"]);
  const bad = w.events.filter((e) => e.event === "http.request" && e.status === 400);
  assert.equal(bad.length, ambiguous.length);
});
