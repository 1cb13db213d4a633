import assert from "node:assert/strict";
import { curl, portOf, startWorld } from "./_proxy_harness.ts";

const POLICY = `
@id("allow-allowed")
permit (principal, action == Action::"NetworkConnect", resource in Host::"allowed.test");
@id("allow-plain")
permit (principal, action == Action::"NetworkConnect", resource in Host::"plain.test");
@id("allow-secret")
permit (principal, action == Action::"NetworkConnect", resource in Host::"secret.test");
@id("allow-other")
permit (principal, action == Action::"NetworkConnect", resource in Host::"other.test");
@id("allow-untrusted")
permit (principal, action == Action::"NetworkConnect", resource in Host::"untrusted.test");
@id("no-admin")
forbid (principal, action == Action::"HttpRequest", resource in Host::"allowed.test")
  when { context.path like "/admin*" };
@id("no-delete")
forbid (principal, action == Action::"HttpRequest", resource in Host::"plain.test")
  when { context.method == "DELETE" };
@id("inject-token")
permit (principal, action == Action::"HttpRewrite", resource in Host::"secret.test")
  when { context.header == "Authorization" && context.secret == "TOKEN" };
@id("no-forbidden")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"forbidden.test");
`;

const TOKEN = "Bearer s3cr3t-value-for-tests";

function world() {
  return startWorld({
    policy: POLICY,
    https: ["allowed.test", "secret.test", "other.test", "forbidden.test"],
    http: ["plain.test"],
    untrusted: ["untrusted.test"],
    secrets: ["TOKEN=env:TEST_TOKEN"],
    env: { TEST_TOKEN: TOKEN },
  });
}

Deno.test("proxy: explicit HTTPS to an allowed host works through the leash CA", async () => {
  const w = await world();
  try {
    const port = portOf(w, "allowed.test");
    const r = await curl([
      "-x",
      `http://127.0.0.1:${w.explicit.port}`,
      "--cacert",
      w.leashCaPath,
      `https://allowed.test:${port}/hello`,
    ]);
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, "hello from allowed.test GET /hello\n");
    const connect = w.events.find((e) => e.event === "net.connect" && e.host === "allowed.test");
    assert.equal(connect?.decision, "allow");
    assert.equal(connect?.rule, "allow-allowed");
    const req = w.events.find((e) => e.event === "http.request");
    assert.equal(req?.status, 200);
    assert.equal(req?.url, `https://allowed.test:${port}/hello`);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: explicit plain HTTP (absolute-form) to an allowed host works", async () => {
  const w = await world();
  try {
    const port = portOf(w, "plain.test");
    const r = await curl([
      "-x",
      `http://127.0.0.1:${w.explicit.port}`,
      `http://plain.test:${port}/p`,
    ]);
    assert.equal(r.stdout, "hello from plain.test GET /p\n");
    assert.equal(w.upstreams.get("plain.test")!.seen[0]?.path, "/p");
  } finally {
    await w.close();
  }
});

Deno.test("proxy: a forbidden host gets 403 naming the rule, before any tunnel", async () => {
  const w = await world();
  try {
    const port = portOf(w, "forbidden.test");
    const r = await curl([
      "-x",
      `http://127.0.0.1:${w.explicit.port}`,
      "--cacert",
      w.leashCaPath,
      "-o",
      "/dev/null",
      "-w",
      "%{http_connect}",
      `https://forbidden.test:${port}/`,
    ]);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, "403");
    const e = w.events.find((e) => e.event === "net.connect" && e.host === "forbidden.test");
    assert.equal(e?.decision, "deny");
    assert.equal(e?.rule, "no-forbidden");
    assert.match(String(e?.message), /denied by rule "no-forbidden"/);
    assert.equal(w.upstreams.get("forbidden.test")!.seen.length, 0);
    const plain = await curl([
      "-x",
      `http://127.0.0.1:${w.explicit.port}`,
      "-i",
      `http://unknown.test:${port}/`,
    ]);
    assert.match(plain.stdout, /^HTTP\/1\.1 403 /);
    assert.match(plain.stdout, /no rule permits it \(default deny\)/);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: transparent TLS is decided by SNI and served with a leaf for it", async () => {
  const w = await world();
  try {
    const port = portOf(w, "allowed.test");
    const bridge = w.transparent(`127.0.0.1:${port}`);
    const ok = await curl([
      "--cacert",
      w.leashCaPath,
      "--connect-to",
      `allowed.test:${port}:127.0.0.1:${bridge.port}`,
      `https://allowed.test:${port}/t`,
    ]);
    assert.equal(ok.stdout, "hello from allowed.test GET /t\n");
    const e = w.events.find((e) => e.event === "net.connect" && e.host === "allowed.test");
    assert.equal(e?.decision, "allow");
    assert.equal(e?.addr, "127.0.0.1");
    const fport = portOf(w, "forbidden.test");
    const fbridge = w.transparent(`127.0.0.1:${fport}`);
    const denied = await curl([
      "--cacert",
      w.leashCaPath,
      "--connect-to",
      `forbidden.test:${fport}:127.0.0.1:${fbridge.port}`,
      `https://forbidden.test:${fport}/`,
    ]);
    assert.notEqual(denied.code, 0);
    assert.equal(denied.stdout, "");
    const d = w.events.find((e) => e.event === "net.connect" && e.host === "forbidden.test");
    assert.equal(d?.decision, "deny");
    assert.equal(d?.rule, "no-forbidden");
    assert.equal(w.upstreams.get("forbidden.test")!.seen.length, 0);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: transparent plain HTTP is decided by the Host header", async () => {
  const w = await world();
  try {
    const port = portOf(w, "plain.test");
    const bridge = w.transparent(`127.0.0.1:${port}`);
    const ok = await curl(["-H", `Host: plain.test:${port}`, `http://127.0.0.1:${bridge.port}/x`]);
    assert.equal(ok.stdout, "hello from plain.test GET /x\n");
    const denied = await curl([
      "-i",
      "-H",
      `Host: nowhere.test:${port}`,
      `http://127.0.0.1:${bridge.port}/x`,
    ]);
    assert.match(denied.stdout, /^HTTP\/1\.1 403 /);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: HTTP method and path rules apply per request", async () => {
  const w = await world();
  try {
    const port = portOf(w, "allowed.test");
    const proxy = ["-x", `http://127.0.0.1:${w.explicit.port}`, "--cacert", w.leashCaPath];
    // The HTTP/1.1 shape of the refusal (proxy_h2_test.ts checks it on HTTP/2 streams).
    const admin = await curl([
      ...proxy,
      "--http1.1",
      "-i",
      `https://allowed.test:${port}/admin/users`,
    ]);
    assert.match(admin.stdout, /\r\n\r\nHTTP\/1\.1 403 Forbidden/);
    assert.match(admin.stdout, /denied by rule "no-admin"/);
    const fine = await curl([...proxy, `https://allowed.test:${port}/public`]);
    assert.equal(fine.stdout, "hello from allowed.test GET /public\n");
    const pport = portOf(w, "plain.test");
    const del = await curl([
      "-x",
      `http://127.0.0.1:${w.explicit.port}`,
      "-i",
      "-X",
      "DELETE",
      `http://plain.test:${pport}/thing`,
    ]);
    assert.match(del.stdout, /^HTTP\/1\.1 403 /);
    assert.match(del.stdout, /denied by rule "no-delete"/);
    assert.deepEqual(w.upstreams.get("plain.test")!.seen, []);
    const denied = w.events.filter((e) => e.event === "http.request" && e.decision === "deny");
    assert.deepEqual(denied.map((e) => [e.method, e.rule]), [["GET", "no-admin"], [
      "DELETE",
      "no-delete",
    ]]);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: a secret header reaches the upstream and appears in no event", async () => {
  const w = await world();
  try {
    const port = portOf(w, "secret.test");
    const r = await curl([
      "-x",
      `http://127.0.0.1:${w.explicit.port}`,
      "--cacert",
      w.leashCaPath,
      "-H",
      "Authorization: Bearer from-the-agent",
      `https://secret.test:${port}/headers`,
    ]);
    // The upstream got the secret; its echo reaches the client masked.
    assert.equal(w.upstreams.get("secret.test")!.seen[0]?.headers.authorization, TOKEN);
    assert.ok(!r.stdout.includes(TOKEN), r.stdout);
    assert.match(JSON.parse(r.stdout).authorization, /^\[secret:TOKEN\]\**$/);
    const rewrite = w.events.find((e) => e.event === "http.rewrite");
    assert.equal(rewrite?.decision, "allow");
    assert.equal(rewrite?.rule, "inject-token");
    assert.equal(rewrite?.value, "«secret:TOKEN»");
    for (const line of w.lines) assert.ok(!line.includes("s3cr3t"), line);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: a Host header naming the secret's host over other TLS gets no secret", async () => {
  const w = await world();
  try {
    const port = portOf(w, "other.test");
    const r = await curl([
      "-x",
      `http://127.0.0.1:${w.explicit.port}`,
      "--cacert",
      w.leashCaPath,
      "-H",
      `Host: secret.test:${port}`,
      `https://other.test:${port}/headers`,
    ]);
    // Fronting: refused as misdirected before anything reaches either upstream.
    assert.match(r.stdout, /misdirected request refused/);
    assert.equal(w.upstreams.get("other.test")!.seen.length, 0);
    assert.equal(w.upstreams.get("secret.test")!.seen.length, 0);
    const plainPort = portOf(w, "plain.test");
    await curl([
      "-x",
      `http://127.0.0.1:${w.explicit.port}`,
      "-H",
      `Host: secret.test:${plainPort}`,
      `http://secret.test:${plainPort}/headers`,
    ]);
    const denials = w.events.filter((e) => e.event === "http.rewrite" && e.decision === "deny");
    assert.equal(denials.length, 1);
    assert.match(String(denials[0]?.message), /not over verified TLS/);
    for (const line of w.lines) assert.ok(!line.includes("s3cr3t"), line);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: an upstream with an untrusted certificate gets 502 and an event", async () => {
  const w = await world();
  try {
    const port = portOf(w, "untrusted.test");
    const r = await curl([
      "-x",
      `http://127.0.0.1:${w.explicit.port}`,
      "--cacert",
      w.leashCaPath,
      "-i",
      `https://untrusted.test:${port}/`,
    ]);
    assert.match(r.stdout, /\r\n\r\nHTTP\/1\.1 502 Bad Gateway/);
    assert.match(
      r.stdout,
      /\r\n\r\nleash: Cannot connect with TLS to "untrusted\.test:\d+": .+\n$/,
    );
    assert.deepEqual(w.upstreams.get("untrusted.test")!.seen, []);
    const e = w.events.find((e) => e.event === "http.request" && e.status === 502);
    assert.match(String(e?.message), /Cannot connect with TLS to "untrusted.test:\d+"/);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: keep-alive carries several requests over one client connection", async () => {
  const w = await world();
  try {
    const port = portOf(w, "allowed.test");
    const r = await curl([
      "-x",
      `http://127.0.0.1:${w.explicit.port}`,
      "--cacert",
      w.leashCaPath,
      "-w",
      "%{num_connects}\n",
      `https://allowed.test:${port}/one`,
      `https://allowed.test:${port}/two`,
    ]);
    assert.equal(
      r.stdout,
      "hello from allowed.test GET /one\n1\nhello from allowed.test GET /two\n0\n",
    );
    assert.equal(w.events.filter((e) => e.event === "net.connect").length, 1);
    assert.equal(w.events.filter((e) => e.event === "http.request").length, 2);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: passthrough hosts are tunnelled without MITM but still host-checked", async () => {
  const w = await startWorld({
    policy: POLICY,
    https: ["allowed.test", "forbidden.test"],
    passthrough: ["allowed.test", "forbidden.test"],
  });
  try {
    const port = portOf(w, "allowed.test");
    const proxy = ["-x", `http://127.0.0.1:${w.explicit.port}`];
    const ok = await curl([
      ...proxy,
      "--cacert",
      w.upstreamCaPath,
      `https://allowed.test:${port}/p`,
    ]);
    assert.equal(ok.stdout, "hello from allowed.test GET /p\n");
    assert.equal(w.events.filter((e) => e.event === "http.request").length, 0);
    const mitm = await curl([
      ...proxy,
      "--cacert",
      w.leashCaPath,
      `https://allowed.test:${port}/p`,
    ]);
    assert.notEqual(mitm.code, 0, "the leash CA must not have signed a passthrough host");
    const fport = portOf(w, "forbidden.test");
    const denied = await curl([
      ...proxy,
      "--cacert",
      w.upstreamCaPath,
      "-o",
      "/dev/null",
      "-w",
      "%{http_connect}",
      `https://forbidden.test:${fport}/`,
    ]);
    assert.equal(denied.stdout, "403");
  } finally {
    await w.close();
  }
});

Deno.test("proxy: no relayed connection is left open after 200 requests", async () => {
  const w = await world();
  try {
    const port = portOf(w, "allowed.test");
    for (let i = 0; i < 20; i++) {
      const urls = Array.from({ length: 10 }, (_, j) => `https://allowed.test:${port}/${i}-${j}`);
      const r = await curl([
        "-x",
        `http://127.0.0.1:${w.explicit.port}`,
        "--cacert",
        w.leashCaPath,
        "--parallel",
        "--parallel-max",
        "10",
        ...urls.flatMap((u) => ["-o", "/dev/null", u]),
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal(
      w.events.filter((e) => e.event === "http.request" && e.status === 200).length,
      200,
    );
    // Closing is asynchronous after curl exits; give it a generous bound instead of hanging.
    for (let i = 0; i < 500 && w.openSockets() > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(w.openSockets(), 0);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: separate client connections reuse a pooled upstream connection", async () => {
  const w = await world();
  try {
    const port = portOf(w, "allowed.test");
    const proxy = ["-x", `http://127.0.0.1:${w.explicit.port}`, "--cacert", w.leashCaPath];
    for (const path of ["/a", "/b", "/c"]) {
      const r = await curl([...proxy, `https://allowed.test:${port}${path}`]);
      assert.equal(r.stdout, `hello from allowed.test GET ${path}\n`);
      for (let i = 0; i < 500 && w.openSockets() > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    const ports = w.upstreams.get("allowed.test")!.seen.map((s) => s.remotePort);
    assert.equal(new Set(ports).size, 1, `upstream client ports ${ports.join(", ")}`);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: a refused request that asked for Connection: close ends the connection", async () => {
  const w = await world();
  try {
    const port = portOf(w, "plain.test");
    const url = `http://plain.test:${port}`;
    // Two requests in one write: the refused one asks to close, so the second is never read.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: w.explicit.port });
    const wire =
      `DELETE ${url}/thing HTTP/1.1\r\nHost: plain.test:${port}\r\nConnection: close\r\n\r\n` +
      `GET ${url}/after HTTP/1.1\r\nHost: plain.test:${port}\r\n\r\n`;
    await conn.write(new TextEncoder().encode(wire));
    const chunks: string[] = [];
    const buffer = new Uint8Array(65536);
    const decoder = new TextDecoder();
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      chunks.push(decoder.decode(buffer.subarray(0, n)));
    }
    conn.close();
    const answer = chunks.join("");
    assert.match(answer, /^HTTP\/1\.1 403 /);
    assert.equal(answer.match(/HTTP\/1\.1 \d{3} /g)?.length, 1, answer);
    assert.deepEqual(w.upstreams.get("plain.test")!.seen, []);
  } finally {
    await w.close();
  }
});
