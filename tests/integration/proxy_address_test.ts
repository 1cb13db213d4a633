/**
 * Issue 9, classes 1 and 2, through the real proxy, judged by what real listeners received:
 * - a permitted name that resolves into a forbidden IP/CIDR is refused on every path (explicit
 *   HTTP, CONNECT + TLS offering h2, transparent TLS and HTTP, raw TCP), for pinned names and for
 *   the system resolver's answers (every one of them);
 * - under a permit-everything policy the proxy dials no address of the host (every interface
 *   address, v4 and v6, IPv4-mapped spellings, a Docker gateway the provider reports); a name
 *   pinned to one is the only way through.
 */
import assert from "node:assert/strict";
import { curl, portOf, startWorld, viaProxy } from "./_proxy_harness.ts";
import { WireClient } from "./_raw_wire.ts";
import { compilePolicy } from "../../src/policy/mod.ts";

const NAMES_INTO_FORBIDDEN = `@id("names")
permit (principal, action == Action::"NetworkConnect", resource in Host::"*.test");
@id("localhost")
permit (principal, action == Action::"NetworkConnect", resource in Host::"localhost");
@id("no-loopback-net")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"127.0.0.0/8");
@id("no-loopback6")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"::1/128");`;

Deno.test("proxy address: a permitted name resolving into a forbidden CIDR is refused on every path", async () => {
  const w = await startWorld({
    policy: NAMES_INTO_FORBIDDEN,
    https: ["inside.test"],
    http: ["plain.test"],
  });
  try {
    const tlsPort = portOf(w, "inside.test");
    const plainPort = portOf(w, "plain.test");
    // Explicit absolute-form HTTP, and HTTPS over CONNECT: 403 naming the address rule.
    const plain = await curl([...viaProxy(w), "-i", `http://plain.test:${plainPort}/explicit`]);
    assert.match(plain.stdout, /^HTTP\/1\.1 403 /, plain.stdout);
    assert.match(plain.stdout, /127\.0\.0\.1 is denied by rule "no-loopback-net"/);
    // HTTPS over CONNECT: decided before the CONNECT is answered, so the tunnel itself is
    // refused with 403 naming the address rule; no TLS, no request reaches the upstream.
    const secure = await curl([...viaProxy(w), "-i", `https://inside.test:${tlsPort}/connect`]);
    assert.match(secure.stdout, /^HTTP\/1\.1 403 /, secure.stdout);
    assert.match(secure.stdout, /127\.0\.0\.1 is denied by rule "no-loopback-net"/);
    // The system resolver's answers (localhost: 127.0.0.1 and ::1): each judged, none dialled.
    const local = await curl([...viaProxy(w), "-i", `http://localhost:${plainPort}/resolved`]);
    assert.match(local.stdout, /^HTTP\/1\.1 403 /, local.stdout);
    // Transparent TLS (by SNI) and plain HTTP (by Host).
    const tb = w.transparent(`127.0.0.1:${tlsPort}`);
    const t = await curl([
      "--cacert",
      w.leashCaPath,
      "--connect-to",
      `inside.test:${tlsPort}:127.0.0.1:${tb.port}`,
      "-i",
      `https://inside.test:${tlsPort}/transparent`,
    ]);
    assert.match(t.stdout, /HTTP\/1\.1 403 /, t.stdout + t.stderr);
    const pb = w.transparent(`127.0.0.1:${plainPort}`);
    const tp = await curl([
      "-i",
      "-H",
      `Host: plain.test:${plainPort}`,
      `http://127.0.0.1:${pb.port}/transparent-plain`,
    ]);
    assert.match(tp.stdout, /^HTTP\/1\.1 403 /, tp.stdout);
    // Raw TCP through a CONNECT tunnel to the name: closed without reaching the listener.
    const raw = await WireClient.connect(w.explicit.port);
    raw.send(`CONNECT plain.test:${plainPort} HTTP/1.1\r\nHost: plain.test:${plainPort}\r\n\r\n`);
    await raw.response();
    raw.send("SSH-2.0-raw-tunnel\r\n");
    assert.equal((await raw.response()).status, null);
    raw.close();
    for (const [name, up] of w.upstreams) assert.deepEqual(up.seen, [], `${name} saw a request`);
    const denied = w.events.filter((e) =>
      e.event === "net.connect" && e.decision === "deny" && e.rule === "no-loopback-net"
    );
    assert.ok(denied.length >= 6, `address deny events: ${denied.length}`);
    assert.ok(denied.every((e) => e.addr === "127.0.0.1"));
  } finally {
    await w.close();
  }
});

Deno.test("proxy address: in shadow mode a forbidden address is reached and reported as would_deny", async () => {
  const w = await startWorld({
    policy: NAMES_INTO_FORBIDDEN,
    http: ["plain.test"],
    mode: "shadow",
  });
  try {
    const port = portOf(w, "plain.test");
    const r = await curl([...viaProxy(w), `http://plain.test:${port}/shadow`]);
    assert.equal(r.stdout, "hello from plain.test GET /shadow\n");
    const e = w.events.find((e) => e.event === "net.connect" && e.rule === "no-loopback-net");
    assert.equal(e?.decision, "allow");
    assert.equal(e?.would_deny, true);
  } finally {
    await w.close();
  }
});

/** A listener on every address (v4 and v6) of this host that counts what it accepts. */
function witness(): { port: number; accepted: () => number; close(): Promise<void> } {
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ hostname: "::", port: 0 }); // v4 too (v4-mapped)
  } catch {
    listener = Deno.listen({ hostname: "0.0.0.0", port: 0 }); // a host without IPv6
  }
  let accepted = 0;
  const loop = (async () => {
    for await (const conn of listener) {
      accepted++;
      conn.close();
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    accepted: () => accepted,
    async close() {
      listener.close();
      await loop.catch(() => {});
    },
  };
}

Deno.test("proxy address: under a permit-everything policy no address of the host is dialled; a pinned name is", async () => {
  const own = Deno.networkInterfaces()
    .filter((i) => !i.address.startsWith("fe80:"))
    .map((i) => i.address);
  const v4 = own.filter((a) => !a.includes(":") && !a.startsWith("127."));
  const v6 = own.filter((a) => a.includes(":") && a !== "::1");
  const wit = witness();
  const w = await startWorld({
    policy: `@id("everything")
permit (principal, action == Action::"NetworkConnect", resource);`,
    allowHostLocal: false,
    pinTestNames: false,
    ...(v4[0] ? { pins: { "pinned.test": v4[0] } } : {}),
    // Stands in for the Docker provider: a gateway that is no interface of this kernel.
    hostAddresses: () => Promise.resolve(["198.51.100.250"]),
  });
  try {
    const p = wit.port;
    const urls = [
      ...v4.map((a) => `http://${a}:${p}/`),
      ...v4.map((a) => `http://[::ffff:${a}]:${p}/`),
      ...v6.map((a) => `http://[${a}]:${p}/`),
      `http://127.0.0.1:${p}/`,
      `http://[::1]:${p}/`,
      `http://198.51.100.250:${p}/`,
    ];
    for (const url of urls) {
      const r = await curl([...viaProxy(w), "-i", url]);
      assert.match(r.stdout, /^HTTP\/1\.1 502 /, url);
      assert.match(r.stdout, /address of the host leash runs on/, url);
    }
    // CONNECT and the transparent port (raw TCP to the original destination) alike.
    for (const address of [...v4, ...v6]) {
      const target = address.includes(":") ? `[${address}]:${p}` : `${address}:${p}`;
      const c = await WireClient.connect(w.explicit.port);
      c.send(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      await c.response();
      c.send("raw bytes\r\n");
      await c.response();
      c.close();
      const bridge = w.transparent(target);
      const t = await WireClient.connect(bridge.port);
      t.send("raw bytes\r\n");
      await t.response();
      t.close();
    }
    assert.equal(wit.accepted(), 0, "the witness on the host's addresses saw a connection");
    assert.ok(urls.length >= 5, `tried ${urls.join(" ")}`);
    if (v4[0]) {
      // The operator's pin is the way through.
      const pinned = await curl([...viaProxy(w), "-i", `http://pinned.test:${p}/`]);
      assert.doesNotMatch(pinned.stdout, /address of the host/);
      assert.equal(wit.accepted(), 1, "the pinned name reached the witness");
    }
  } finally {
    await w.close();
    await wit.close();
  }
});

Deno.test("proxy address: a forbid added by a policy update applies to the next request of a kept-alive connection", async () => {
  const w = await startWorld({
    policy: `@id("names")
permit (principal, action == Action::"NetworkConnect", resource in Host::"*.test");`,
    http: ["plain.test"],
  });
  try {
    const p = portOf(w, "plain.test");
    const c = await WireClient.connect(w.explicit.port);
    const get = (path: string) =>
      `GET http://plain.test:${p}${path} HTTP/1.1\r\nHost: plain.test:${p}\r\n\r\n`;
    c.send(get("/before"));
    assert.equal((await c.response()).status, 200);
    w.egress.updatePolicy(
      compilePolicy(`@id("names")
permit (principal, action == Action::"NetworkConnect", resource in Host::"*.test");
@id("no-loopback-net")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"127.0.0.0/8");`).ir,
    );
    c.send(get("/after"));
    const r = await c.response();
    assert.equal(r.status, 403, r.body);
    assert.match(r.body, /denied by rule "no-loopback-net"/);
    c.close();
    // A new client connection does not get the pooled upstream dialled under the old policy.
    const again = await curl([...viaProxy(w), "-i", `http://plain.test:${p}/again`]);
    assert.match(again.stdout, /^HTTP\/1\.1 403 /);
    assert.deepEqual(w.upstreams.get("plain.test")!.seen.map((s) => s.path), ["/before"]);
  } finally {
    await w.close();
  }
});
