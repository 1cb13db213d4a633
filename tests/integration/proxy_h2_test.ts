import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import {
  grpcFrame,
  grpcMessages,
  startH1OnlyUpstream,
  startH2Upstream,
  type TestUpstream,
} from "./_h2_upstream.ts";
import {
  bigBothWays,
  connectHead,
  type CountingUpstream,
  countingUpstream,
  curl,
  patternDigest,
  slowDownload,
  startWorld,
  viaProxy,
  type World,
} from "./_proxy_harness.ts";

const POLICY = `
@id("allow-h2")
permit (principal, action == Action::"NetworkConnect", resource in Host::"h2.test");
@id("allow-secret")
permit (principal, action == Action::"NetworkConnect", resource in Host::"secret.test");
@id("allow-big")
permit (principal, action == Action::"NetworkConnect", resource in Host::"big.test");
@id("allow-old")
permit (principal, action == Action::"NetworkConnect", resource in Host::"old.test");
@id("no-admin")
forbid (principal, action == Action::"HttpRequest", resource in Host::"h2.test")
  when { context.path like "/admin*" };
@id("inject-token")
permit (principal, action == Action::"HttpRewrite", resource in Host::"secret.test")
  when { context.header == "Authorization" && context.secret == "TOKEN" };
`;

const TOKEN = "Bearer h2-s3cr3t-for-tests";

/** What the helpers below need of an upstream. */
interface Listening {
  port: number;
  close(): Promise<void>;
}

interface H2World<U extends Listening = TestUpstream> {
  w: World;
  up: U;
  leashCa: string;
  close(): Promise<void>;
}

/** `w` with `up` beside it (both closed by `close()`). */
async function withUpstream<U extends Listening>(
  w: World,
  up: U,
): Promise<H2World<U>> {
  return {
    w,
    up,
    leashCa: await Deno.readTextFile(w.leashCaPath),
    async close() {
      await w.close();
      await up.close();
    },
  };
}

/** A proxy world plus one upstream for `name`: HTTP/2-only, or http/1.1-only when `h1`. */
async function h2World(name: string, h1 = false): Promise<H2World> {
  const w = await startWorld({
    policy: POLICY,
    secrets: ["TOKEN=env:TEST_TOKEN"],
    env: { TEST_TOKEN: TOKEN },
  });
  const up = h1
    ? await startH1OnlyUpstream(name, w.upstreamCa)
    : await startH2Upstream(name, w.upstreamCa);
  return withUpstream(w, up);
}

/** TLS to `host:port` through the explicit proxy (CONNECT), offering `alpn`. */
async function tlsThroughProxy(
  world: H2World<Listening>,
  host: string,
  alpn: string[] = ["h2", "http/1.1"],
): Promise<tls.TLSSocket> {
  const raw = net.connect({ host: "127.0.0.1", port: world.w.explicit.port });
  await new Promise<void>((resolve, reject) => {
    raw.once("connect", resolve);
    raw.once("error", reject);
  });
  const authority = `${host}:${world.up.port}`;
  const head = await connectHead(raw, authority);
  assert.match(head, /^HTTP\/1\.1 200 /);
  const secure = tls.connect({
    socket: raw,
    servername: host,
    ca: world.leashCa,
    ALPNProtocols: alpn,
  });
  await new Promise<void>((resolve, reject) => {
    secure.once("secureConnect", resolve);
    secure.once("error", reject);
  });
  return secure;
}

/** An HTTP/2 session over `socket`. */
function h2Session(socket: tls.TLSSocket, host: string, port: number): http2.ClientHttp2Session {
  const session = http2.connect(`https://${host}:${port}`, { createConnection: () => socket });
  session.on("error", () => {});
  return session;
}

/** An HTTP/2 session with `host` on the world's upstream port, through the proxy. */
async function proxiedH2Session(
  world: H2World<Listening>,
  host: string,
): Promise<http2.ClientHttp2Session> {
  return h2Session(await tlsThroughProxy(world, host), host, world.up.port);
}

interface Reply {
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders | undefined;
}

/** Sends one request on `session` (body and trailers when given) and collects the reply. */
function exchange(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: Uint8Array,
  trailers?: http2.OutgoingHttpHeaders,
): Promise<Reply> {
  const ends = body === undefined && trailers === undefined;
  const req = session.request(headers, {
    endStream: ends,
    waitForTrailers: trailers !== undefined,
  });
  if (trailers) req.once("wantTrailers", () => req.sendTrailers(trailers));
  if (!ends) req.end(body ?? new Uint8Array(0));
  return new Promise((resolve, reject) => {
    let head: http2.IncomingHttpHeaders = {};
    let tail: http2.IncomingHttpHeaders | undefined;
    const parts: Buffer[] = [];
    req.once("response", (h) => head = h);
    req.once("trailers", (t) => tail = t);
    req.on("data", (c: Buffer) => parts.push(c));
    req.once("end", () => resolve({ headers: head, body: Buffer.concat(parts), trailers: tail }));
    req.once("error", reject);
  });
}

function closeSession(session: http2.ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => session.close(() => resolve()));
}

/** Polls every 20 ms until `done()` holds, at most ~10 s (a bound instead of hanging). */
async function waitUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function settled(world: H2World): Promise<number> {
  // Closing is asynchronous after the client goes.
  await waitUntil(() => world.w.openSockets() === 0);
  return world.w.openSockets();
}

Deno.test("proxy h2: node:http2 and curl --http2 get HTTP/2 end to end", async () => {
  const world = await h2World("h2.test");
  try {
    const { w, up } = world;
    const socket = await tlsThroughProxy(world, "h2.test");
    assert.equal(socket.alpnProtocol, "h2");
    const session = h2Session(socket, "h2.test", up.port);
    const reply = await exchange(session, { ":path": "/hello" });
    assert.equal(reply.headers[":status"], 200);
    assert.equal(reply.body.toString(), "hello from h2.test GET /hello");
    await closeSession(session);
    const r = await curl([
      ...viaProxy(w),
      "--http2",
      "-w",
      "\n%{http_version}",
      `https://h2.test:${up.port}/curl`,
    ]);
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, "hello from h2.test GET /curl\n2");
    assert.deepEqual(up.seen.map((s) => [s.path, s.alpn]), [["/hello", "h2"], ["/curl", "h2"]]);
    // Both client connections went over one pooled upstream session.
    assert.equal(new Set(up.seen.map((s) => s.remotePort)).size, 1);
    const requests = w.events.filter((e) => e.event === "http.request");
    assert.deepEqual(
      requests.map((e) => [e.protocol, e.method, e.url, e.status, e.decision, e.rule]),
      [
        ["h2", "GET", `https://h2.test:${up.port}/hello`, 200, "allow", "allow-h2"],
        ["h2", "GET", `https://h2.test:${up.port}/curl`, 200, "allow", "allow-h2"],
      ],
    );
    assert.equal(await settled(world), 0);
  } finally {
    await world.close();
  }
});

Deno.test("proxy h2: a gRPC exchange arrives intact with its trailers both ways", async () => {
  const world = await h2World("h2.test");
  try {
    const session = await proxiedH2Session(world, "h2.test");
    const body = Buffer.concat([
      grpcFrame(new TextEncoder().encode("first message")),
      grpcFrame(new TextEncoder().encode("second")),
    ]);
    const reply = await exchange(
      session,
      {
        ":method": "POST",
        ":path": "/pkg.Echo/Shout",
        "content-type": "application/grpc",
        te: "trailers",
      },
      body,
      { "x-client-trailer": "t1" },
    );
    assert.equal(reply.headers[":status"], 200);
    assert.equal(reply.headers["content-type"], "application/grpc");
    assert.deepEqual(
      grpcMessages(reply.body).map((m) => new TextDecoder().decode(m)),
      ["FIRST MESSAGE", "SECOND"],
    );
    assert.equal(reply.trailers?.["grpc-status"], "0");
    assert.equal(reply.trailers?.["grpc-message"], "ok 2 messages");
    assert.equal(reply.trailers?.["echo-x-client-trailer"], "t1");
    const seen = world.up.seen[0]!;
    assert.equal(seen.headers.te, "trailers");
    assert.equal(seen.headers["content-type"], "application/grpc");
    const e = world.w.events.find((e) => e.event === "http.request");
    assert.equal(e?.bytes_out, body.length);
    assert.equal(e?.bytes_in, reply.body.length);
    await closeSession(session);
  } finally {
    await world.close();
  }
});

Deno.test("proxy h2: concurrent streams on one connection, a forbidden one gets 403 alone", async () => {
  const world = await h2World("h2.test");
  try {
    const { w, up } = world;
    const session = await proxiedH2Session(world, "h2.test");
    // The barrier answers only once three streams are open upstream at the same time.
    const [a, b, admin, c] = await Promise.all([
      exchange(session, { ":path": "/barrier?n=3&id=a" }),
      exchange(session, { ":path": "/barrier?n=3&id=b" }),
      exchange(session, { ":method": "POST", ":path": "/admin/users" }, new Uint8Array(10)),
      exchange(session, { ":path": "/barrier?n=3&id=c" }),
    ]);
    assert.deepEqual([a, b, c].map((r) => r.body.toString()), [
      "together a",
      "together b",
      "together c",
    ]);
    assert.equal(admin.headers[":status"], 403);
    assert.match(String(admin.headers["x-leash-reason"]), /denied by rule "no-admin"/);
    assert.match(
      admin.body.toString(),
      /POST https:\/\/h2\.test:\d+\/admin\/users denied by rule "no-admin"/,
    );
    assert.equal(up.seen.filter((s) => s.path.startsWith("/admin")).length, 0);
    assert.equal(new Set(up.seen.map((s) => s.remotePort)).size, 1);
    assert.equal(w.events.filter((e) => e.event === "net.connect").length, 1);
    const denied = w.events.filter((e) => e.event === "http.request" && e.decision === "deny");
    assert.deepEqual(denied.map((e) => [e.protocol, e.method, e.rule, e.status]), [
      ["h2", "POST", "no-admin", 403],
    ]);
    await closeSession(session);
    assert.equal(await settled(world), 0);
  } finally {
    await world.close();
  }
});

Deno.test("proxy h2: a secret is injected only when :authority, SNI and the rule host agree", async () => {
  const world = await h2World("secret.test");
  try {
    const { w, up } = world;
    const session = await proxiedH2Session(world, "secret.test");
    const agreed = await exchange(session, { ":path": "/headers" });
    // The upstream got the secret; its echo reaches the client masked (same length).
    assert.equal(up.seen[0]?.headers.authorization, TOKEN);
    const echoed = JSON.parse(agreed.body.toString()).authorization;
    assert.equal(echoed, "[secret:TOKEN]************");
    assert.equal(echoed.length, TOKEN.length);
    // Another :authority on the secret host's connection is misdirected: refused, never sent.
    const other = await exchange(session, {
      ":path": "/headers",
      ":authority": `other.test:${up.port}`,
      authorization: "Bearer the-client-own",
    });
    assert.equal(other.headers[":status"], 421);
    assert.ok(!other.body.toString().includes("h2-s3cr3t"));
    assert.equal(up.seen.length, 1, "only the agreed request reached the upstream");
    const rewrites = w.events.filter((e) => e.event === "http.rewrite");
    assert.deepEqual(rewrites.map((e) => [e.decision, e.rule, e.value]), [
      ["allow", "inject-token", "«secret:TOKEN»"],
    ]);
    assert.ok(!w.lines.some((l) => l.includes("h2-s3cr3t")), "the secret leaked into an event");
    await closeSession(session);
  } finally {
    await world.close();
  }
});

Deno.test("proxy h2: an http/1.1-only upstream makes the client negotiate http/1.1", async () => {
  const world = await h2World("old.test", true);
  try {
    const { w, up } = world;
    const socket = await tlsThroughProxy(world, "old.test");
    assert.equal(socket.alpnProtocol, "http/1.1");
    socket.write(`GET /node HTTP/1.1\r\nHost: old.test:${up.port}\r\nConnection: close\r\n\r\n`);
    const parts: Buffer[] = [];
    for await (const chunk of socket) parts.push(chunk);
    assert.match(
      Buffer.concat(parts).toString(),
      /^HTTP\/1\.1 200 [^]*\r\nhello from old\.test HTTP\/1\.1\r\n/,
    );
    const r = await curl([
      ...viaProxy(w),
      "--http2",
      "-w",
      "\n%{http_version}",
      `https://old.test:${up.port}/curl`,
    ]);
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, "hello from old.test HTTP/1.1\n1.1");
    assert.deepEqual(up.seen.map((s) => [s.path, s.alpn]), [
      ["/node", "http/1.1"],
      ["/curl", "http/1.1"],
    ]);
    const requests = w.events.filter((e) => e.event === "http.request");
    assert.deepEqual(requests.map((e) => [e.protocol, e.status]), [[undefined, 200], [
      undefined,
      200,
    ]]);
    assert.equal(await settled(world), 0);
  } finally {
    await world.close();
  }
});

const SIZE = 50 * 1024 * 1024;

Deno.test("proxy h2: 50 MB stream intact both ways over HTTP/2", async () => {
  // Deno.serve speaks HTTP/2 over TLS; only the proxy's HTTP/2 path emits protocol "h2", and
  // it forwards only over an upstream session that selected h2. That bodies are streamed, not
  // held, is shown by the flow-control tests below (bytes produced against bytes read).
  const w = await startWorld({ policy: POLICY, https: ["big.test"] });
  try {
    const { down, up } = await bigBothWays(w, {
      name: "big.test",
      protocol: "--http2",
      size: SIZE,
    });
    assert.equal(down.stderr, "");
    assert.deepEqual([down.version, down.size], ["2", SIZE]);
    assert.equal(down.sha256, patternDigest(SIZE));
    assert.equal(up.stderr, "");
    assert.deepEqual(up.answer, { bytes: SIZE, sha256: patternDigest(SIZE) });
    assert.equal(up.version, "2");
    const requests = w.events.filter((e) => e.event === "http.request");
    assert.deepEqual(requests.map((e) => [e.protocol, e.status, e.bytes_in, e.bytes_out]), [
      ["h2", 200, SIZE, 0],
      ["h2", 200, requests[1]?.bytes_in, SIZE],
    ]);
  } finally {
    await w.close();
  }
});

Deno.test("proxy h2: RST_STREAM and GOAWAY end streams without leaking sockets", async () => {
  const world = await h2World("h2.test");
  try {
    const { w, up } = world;
    const session = await proxiedH2Session(world, "h2.test");
    // The client resets a large download after its first bytes: the upstream stream is reset.
    const req = session.request({ ":path": `/big?n=${SIZE}` });
    await new Promise((resolve) => req.once("data", resolve));
    req.close(http2.constants.NGHTTP2_CANCEL);
    await waitUntil(() => up.seen[0]?.reset !== undefined);
    assert.equal(up.seen[0]?.reset, http2.constants.NGHTTP2_CANCEL);
    // The upstream answers, then ends its session with GOAWAY: the next stream on the same
    // client connection goes over a new upstream session.
    const bye = await exchange(session, { ":path": "/goaway" });
    assert.equal(bye.body.toString(), "bye");
    await waitUntil(() => up.open() === 0);
    assert.equal(up.open(), 0);
    const after = await exchange(session, { ":path": "/after" });
    assert.equal(after.body.toString(), "hello from h2.test GET /after");
    const ports = up.seen.map((s) => s.remotePort);
    assert.notEqual(ports[2], ports[1]);
    const statuses = w.events.filter((e) => e.event === "http.request").map((e) => e.status);
    assert.deepEqual(statuses, [200, 200, 200]);
    await closeSession(session);
    assert.equal(await settled(world), 0);
  } finally {
    await world.close();
  }
});

/** A proxy world plus a {@linkcode countingUpstream} for big.test, its counters at hand. */
async function countingWorld(): Promise<H2World<CountingUpstream>> {
  const w = await startWorld({ policy: POLICY });
  return withUpstream(w, await countingUpstream(w, "big.test", SIZE));
}

/** Polls `value` until it stops changing (it stays the same for 10 polls in a row). */
async function steady(value: () => number): Promise<number> {
  let last = -1;
  for (let same = 0, i = 0; same < 10 && i < 1000; i++) {
    const now = value();
    same = now === last ? same + 1 : 0;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return last;
}

Deno.test("proxy h2: a client that stops reading stops the upstream (flow control end to end)", async () => {
  const world = await countingWorld();
  const { up } = world;
  try {
    const session = await proxiedH2Session(world, "big.test");
    const req = session.request({ ":path": "/big" });
    let got = 0;
    req.on("data", (c: Buffer) => got += c.length);
    await new Promise((resolve) => req.once("data", resolve));
    req.pause();
    // Held: the client's window, the proxy's windows and socket gate, the upstream's buffers.
    const held = await steady(up.pulled);
    assert.ok(
      held < SIZE / 4,
      `the upstream produced ${held} of ${SIZE} bytes for a paused client`,
    );
    await new Promise((resolve) => {
      req.once("end", resolve);
      req.resume();
    });
    assert.equal(got, SIZE);
    assert.equal(up.pulled(), SIZE);
    await closeSession(session);
  } finally {
    await world.close();
  }
});

Deno.test("proxy h2: an upstream that stops reading stops the client's upload", async () => {
  const world = await countingWorld();
  const { up } = world;
  try {
    const session = await proxiedH2Session(world, "big.test");
    const req = session.request({ ":method": "POST", ":path": "/slow-upload" });
    let written = 0;
    let stop = false;
    const writer = (async () => {
      const block = new Uint8Array(64 * 1024);
      while (written < SIZE && !stop) {
        written += block.length;
        if (!req.write(block)) await new Promise((resolve) => req.once("drain", resolve));
      }
      req.end();
    })();
    // The upstream reads nothing yet: only windows and buffers on the way can take bytes.
    const held = await steady(() => written);
    assert.ok(held < SIZE / 4, `the client could write ${held} of ${SIZE} bytes`);
    up.release();
    const reply = await new Promise<string>((resolve, reject) => {
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => text += c);
      req.once("end", () => resolve(text));
      req.once("error", reject);
    });
    await writer;
    assert.equal(reply, String(SIZE));
    stop = true;
    await closeSession(session);
  } finally {
    await world.close();
  }
});

Deno.test("proxy h2: a slow curl (huge HTTP/2 window) holds the upstream by socket backpressure", async () => {
  const world = await countingWorld();
  const { up } = world;
  try {
    // curl advertises windows of tens of MB, so flow control lets the proxy send far ahead;
    // only the socket's backpressure can stop it. curl reads ~2 MB/s, then gives up.
    const r = await slowDownload(world.w, up, "--http2");
    assert.equal(r.version, "2");
    assert.ok(r.ahead < SIZE / 4, `the upstream produced ${r.ahead} bytes more than curl read`);
  } finally {
    await world.close();
  }
});
