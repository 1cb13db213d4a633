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
