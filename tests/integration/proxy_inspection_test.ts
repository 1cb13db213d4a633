/**
 * A client that waits before its first bytes must not get an uninspected tunnel (issue 9): the
 * proxy used to tunnel a connection raw once the client had been silent for 500 ms, so a delayed
 * ClientHello did TLS with the upstream itself, past path rules, injection and the mask stage.
 * Judged by what the upstreams received and what the client got (whose certificate, which body).
 */
import assert from "node:assert/strict";
import type { Buffer } from "node:buffer";
import net from "node:net";
import tls from "node:tls";
import { createLeafMinter } from "../../src/ca/mod.ts";
import { FIRST_BYTES_WAIT_MS } from "../../src/proxy/mod.ts";
import { connectHead, portOf, startWorld, type World } from "./_proxy_harness.ts";

const POLICY = `
@id("all-test")
permit (principal, action == Action::"NetworkConnect", resource in Host::"*.test");
@id("no-admin")
forbid (principal, action == Action::"HttpRequest", resource in Host::"paths.test")
  when { context.path like "/admin*" };
@id("guarded-no-admin")
forbid (principal, action == Action::"HttpRequest", resource in Host::"guarded.test")
  when { context.path like "/admin*" };
`;

/** Longer than the proxy's first-bytes wait: the old code had tunnelled raw by then. */
function outwait(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 3 * FIRST_BYTES_WAIT_MS));
}

/** CONNECT `host:port` through the world's explicit proxy; the socket once answered 200. */
async function connectThrough(w: World, host: string, port: number): Promise<net.Socket> {
  const raw = net.connect({ host: "127.0.0.1", port: w.explicit.port });
  await new Promise<void>((resolve, reject) => {
    raw.once("connect", resolve);
    raw.once("error", reject);
  });
  const head = await connectHead(raw, `${host}:${port}`);
  assert.match(head, /^HTTP\/1\.1 200 /);
  return raw;
}

/**
 * After CONNECT and a wait, TLS to `host` trusting the leash CA AND the upstream's (as an agent
 * trusts a real upstream's public CA): whoever answers the handshake is accepted. Returns the
 * issuer of the certificate the client got and everything received for `GET path`.
 */
async function delayedTls(
  w: World,
  host: string,
  port: number,
  path: string,
): Promise<{ issuer: string; response: string }> {
  const raw = await connectThrough(w, host, port);
  await outwait();
  const secure = tls.connect({
    socket: raw,
    servername: host,
    ca: [await Deno.readTextFile(w.leashCaPath), w.upstreamCa.certPem],
    ALPNProtocols: ["http/1.1"],
  });
  await new Promise<void>((resolve, reject) => {
    secure.once("secureConnect", resolve);
    secure.once("error", reject);
  });
  const issuer = String(secure.getPeerCertificate().issuer?.CN ?? "");
  let response = "";
  // One response: its head and a Content-Length body (a 403 keeps the connection open).
  const complete = () => {
    const end = response.indexOf("\r\n\r\n");
    if (end < 0) return false;
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(response)?.[1] ?? NaN);
    return response.length >= end + 4 + length;
  };
  const ended = new Promise<void>((resolve) => {
    secure.on("data", (chunk: Buffer) => {
      response += chunk.toString("latin1");
      if (complete()) resolve();
    });
    secure.once("end", resolve);
    secure.once("close", resolve);
    secure.once("error", () => resolve());
  });
  secure.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`);
  await ended;
  secure.destroy();
  return { issuer, response };
}

/** A TCP server that speaks first (an SSH-like banner) and records what clients send. */
async function startBanner(): Promise<
  {
    port: number;
    accepted: () => number;
    got: string[];
    /** Resolves once the first connection it accepted closed. */
    firstClosed: Promise<void>;
    close(): Promise<void>;
  }
> {
  let accepted = 0;
  let closedFirst = () => {};
  const firstClosed = new Promise<void>((resolve) => closedFirst = resolve);
  const got: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => {
      sockets.delete(s);
      closedFirst();
    });
    s.on("data", (chunk: Buffer) => got.push(chunk.toString("latin1")));
    s.write("SSH-2.0-leash-test\r\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    got,
    firstClosed,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What the client read until the proxy closed the tunnel, after sending `line`. */
async function sendAndReadAll(socket: net.Socket, line: string): Promise<string> {
  let text = "";
  const ended = new Promise<void>((resolve) => {
    socket.on("data", (chunk: Buffer) => text += chunk.toString("latin1"));
    socket.once("close", () => resolve());
    socket.on("error", () => {});
  });
  socket.resume();
  socket.end(line);
  await ended;
  return text;
}

Deno.test("proxy: a delayed ClientHello to a host with path rules is still inspected", async () => {
  const w = await startWorld({ policy: POLICY, https: ["paths.test"] });
  try {
    const port = portOf(w, "paths.test");
    const { issuer, response } = await delayedTls(w, "paths.test", port, "/admin/delayed");
    assert.equal(issuer, "leash test CA", "the client did TLS with the upstream itself");
    assert.match(response, /^HTTP\/1\.1 403 /, response);
    assert.deepEqual(w.upstreams.get("paths.test")!.seen.map((r) => r.path), []);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: a delayed ClientHello to a host no HTTP rule names is inspected too", async () => {
  const w = await startWorld({ policy: POLICY, https: ["free.test"] });
  try {
    const port = portOf(w, "free.test");
    const { issuer, response } = await delayedTls(w, "free.test", port, "/late");
    // Only a server that speaks first gets a raw tunnel; a slow client is still sniffed.
    assert.equal(issuer, "leash test CA", "the client did TLS with the upstream itself");
    assert.match(response, /hello from free\.test GET \/late/, response);
    assert.ok(w.events.some((e) => e.event === "http.request" && e.url?.endsWith("/late")));
  } finally {
    await w.close();
  }
});

Deno.test("proxy: a delayed ClientHello in a session with secrets gets the mask stage", async () => {
  const secret = "sk-delayed-0123456789abcdef";
  const w = await startWorld({
    policy: POLICY,
    secrets: ["API_KEY=env:KEY"],
    env: { KEY: secret },
  });
  // An upstream that returns a value it stored earlier (no rule injects anything here).
  const leaf = await (await createLeafMinter(w.upstreamCa)).mint("store.test");
  const ac = new AbortController();
  const store = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: leaf.certPem,
    key: leaf.keyPem,
    signal: ac.signal,
    onListen: () => {},
  }, () => new Response(`stored: ${secret}\n`));
  try {
    const { issuer, response } = await delayedTls(w, "store.test", store.addr.port, "/stored");
    assert.equal(issuer, "leash test CA", "the client did TLS with the upstream itself");
    assert.ok(!response.includes(secret), response);
    assert.match(response, /stored: \[secret:API_KEY\]\**\n/, response);
  } finally {
    ac.abort();
    await store.finished;
    await w.close();
  }
});

Deno.test("proxy: a server that speaks first gets its raw tunnel where no HTTP rule applies", async () => {
  const w = await startWorld({ policy: POLICY });
  const banner = await startBanner();
  try {
    const raw = await connectThrough(w, "ssh.test", banner.port);
    const first = await new Promise<string>((resolve) => {
      raw.once("data", (chunk: Buffer) => resolve(chunk.toString("latin1")));
      raw.resume();
    });
    assert.equal(first, "SSH-2.0-leash-test\r\n");
    raw.pause();
    await sendAndReadAll(raw, "SSH-2.0-client\r\n");
    await banner.firstClosed;
    assert.deepEqual(banner.got, ["SSH-2.0-client\r\n"]);
  } finally {
    await banner.close();
    await w.close();
  }
});

Deno.test("proxy: no raw tunnel to a host with HTTP rules, whatever speaks first", async () => {
  const w = await startWorld({ policy: POLICY });
  const banner = await startBanner();
  try {
    // guarded.test has a path rule: the proxy waits for TLS or HTTP and refuses anything else.
    const raw = await connectThrough(w, "guarded.test", banner.port);
    await outwait();
    const seen = await sendAndReadAll(raw, "SSH-2.0-client\r\n");
    assert.equal(seen, "", "the client got the server's banner");
    assert.equal(banner.accepted(), 0);
    assert.deepEqual(banner.got, []);
    const refusal = w.events.find((e) => e.event === "net.connect" && e.decision === "deny");
    assert.match(String(refusal?.message), /must be inspected \(rule "guarded-no-admin"/);
  } finally {
    await banner.close();
    await w.close();
  }
});
