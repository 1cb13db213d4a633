/**
 * Real TLS clients in real sessions: curl and node in the Debian fixture image, `leash run`
 * against the real dockerd, the real manager and relay, and real HTTPS upstreams on the
 * host's loopback. The proxy trusts the upstreams' test CA through `LEASH_UPSTREAM_CA` and
 * dials the test names through `LEASH_UPSTREAM_HOSTS` (both documented test settings).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureDebianImage } from "../fixtures/debian_image.ts";
import { startUpstream, type Upstream } from "../integration/_proxy_harness.ts";
import { type DebianSandbox, debianSandbox, leashSh, TEST_NET_RULES } from "./_debian.ts";
import {
  assertNoContainers,
  filesUnder,
  section,
  sessionDir,
  sessionEvents,
  setup,
} from "./_session.ts";

const { docker, image } = await setup(ensureDebianImage);
globalThis.addEventListener("unload", () => docker.close());

const NAMES = ["allowed.test", "forbidden.test", "secret.test"];

/** A Debian sandbox with the upstreams running. */
interface World extends DebianSandbox {
  upstreams: Map<string, Upstream>;
  port(name: string): number;
  /** The session's own files: logs and public dir. */
  sessionDir(session: string | undefined): string;
  [Symbol.asyncDispose](): Promise<void>;
}

async function world(): Promise<World> {
  const base = await debianSandbox({ image, names: NAMES, netRules: TEST_NET_RULES });
  const { box, upstreamCa } = base;
  const upstreams = new Map<string, Upstream>();
  for (const name of NAMES) upstreams.set(name, await startUpstream(name, upstreamCa));
  return {
    ...base,
    upstreams,
    port: (name) => upstreams.get(name)!.port,
    sessionDir: (session) => sessionDir(box, session),
    async [Symbol.asyncDispose]() {
      for (const u of upstreams.values()) await u.close();
      await box[Symbol.asyncDispose]();
    },
  };
}

/** Events of a finished session. */
async function events(w: World, session: string | undefined): Promise<Record<string, unknown>[]> {
  return await sessionEvents(w.box, session);
}

function squeeze(pem: string): string {
  return pem.replace(/\s+/g, "");
}

Deno.test("tls clients: the leash CA is in the image's system bundle and curl trusts it with no flags", async () => {
  await using w = await world();
  const port = w.port("allowed.test");
  // CURL_CA_BUNDLE and SSL_CERT_FILE (set by leash-entry) are dropped: curl's built-in default,
  // the system store, must be what trusts the leaf.
  const r = await leashSh(
    w,
    `echo '<<bundle'; cat /etc/ssl/certs/ca-certificates.crt; echo; echo 'bundle>>'
echo '<<system'
env -u CURL_CA_BUNDLE -u SSL_CERT_FILE curl -sS -v https://allowed.test:${port}/hello 2>/tmp/v
echo "exit=$?"; grep -i 'issuer:' /tmp/v
echo 'system>>'
echo '<<other-root'
env -u CURL_CA_BUNDLE -u SSL_CERT_FILE curl -sS --capath /nonexistent \\
  --cacert /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt https://allowed.test:${port}/x 2>&1
echo "exit=$?"
echo 'other-root>>'`,
  );
  assert.equal(r.code, 0, r.stderr);
  const caPem = await Deno.readTextFile(join(w.sessionDir(r.session), "public", "ca-cert.pem"));
  assert.ok(squeeze(section(r.stdout, "bundle")).includes(squeeze(caPem)), "CA in the bundle");
  const system = section(r.stdout, "system");
  assert.match(system, /^hello from allowed\.test GET \/hello\nexit=0\n/);
  assert.match(system, /issuer: CN=leash local CA/);
  // A store without the leash CA refuses the same leaf: the check above is a real one.
  const other = section(r.stdout, "other-root");
  assert.match(other, /SSL certificate problem/);
  assert.match(other, /exit=60/);
  await assertNoContainers(docker, r.session);
});

Deno.test("tls clients: curl reaches an allowed HTTPS upstream through leash; a forbidden host gets 403 naming the rule", async () => {
  await using w = await world();
  const port = w.port("allowed.test");
  const fport = w.port("forbidden.test");
  const r = await leashSh(
    w,
    `echo '<<allowed'; curl -sS https://allowed.test:${port}/through; echo "exit=$?"; echo 'allowed>>'
echo '<<tunnel'
curl -sS -o /dev/null -w 'connect=%{http_connect}\\n' https://forbidden.test:${fport}/ 2>&1
echo "exit=$?"; echo 'tunnel>>'
echo '<<plain'; curl -sS -i http://forbidden.test:${fport}/plain; echo; echo 'plain>>'`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(section(r.stdout, "allowed"), "hello from allowed.test GET /through\nexit=0");
  const tunnel = section(r.stdout, "tunnel");
  assert.match(tunnel, /connect=403/);
  assert.match(tunnel, /exit=56/);
  const plain = section(r.stdout, "plain");
  assert.match(plain, /^HTTP\/1\.1 403 /);
  assert.match(plain, /denied by rule "e2e-forbid"/);
  assert.deepEqual(w.upstreams.get("allowed.test")!.seen.map((s) => s.path), ["/through"]);
  assert.deepEqual(w.upstreams.get("forbidden.test")!.seen, []);
  const log = await events(w, r.session);
  assert.ok(
    log.some((e) =>
      e.event === "http.request" && e.host === "allowed.test" && e.decision === "allow" &&
      e.status === 200 && e.url === `https://allowed.test:${port}/through`
    ),
    "allowed request event",
  );
  const denied = log.filter((e) => e.host === "forbidden.test" && e.decision === "deny");
  assert.deepEqual(
    denied.map((e) => [e.event, e.rule]),
    [["net.connect", "e2e-forbid"], ["http.request", "e2e-forbid"]],
  );
  await assertNoContainers(docker, r.session);
});

Deno.test("tls clients: node's https (no proxy support) goes transparently through leash: allowed 200, forbidden refused", async () => {
  await using w = await world();
  const port = w.port("allowed.test");
  const fport = w.port("forbidden.test");
  // process.argv[1]: "all" (the session's environment), or a label for one request.
  const program = `
const https = require("https");
const get = (options) => new Promise((resolve) => {
  const req = https.get(options, (res) => {
    let body = "";
    res.on("data", (d) => body += d);
    res.on("end", () => resolve(res.statusCode + " " + body.trim()));
  });
  req.on("error", (e) => resolve("error " + (e.code || e.message)));
  req.setTimeout(30000, () => req.destroy(new Error("timeout")));
});
(async () => {
  const mode = process.argv[1];
  if (mode !== "all") {
    console.log(mode + ": " + await get("https://allowed.test:${port}/" + mode));
    return;
  }
  console.log("extra-ca=" + process.env.NODE_EXTRA_CA_CERTS);
  console.log("allowed: " + await get("https://allowed.test:${port}/node"));
  console.log("forbidden: " + await get("https://forbidden.test:${fport}/node"));
  console.log("forbidden-by-address: " + await get({
    host: "192.0.2.1", port: ${fport}, servername: "forbidden.test", path: "/node",
  }));
})();`;
  // Debian's node verifies with OpenSSL's default store (SSL_CERT_FILE, else the system
  // bundle) plus NODE_EXTRA_CA_CERTS; leash-entry points both variables at the bundle.
  const s = await leashSh(
    w,
    `node -e "$1" all; echo "exit=$?"
env -u NODE_EXTRA_CA_CERTS -u SSL_CERT_FILE node -e "$1" system-store
env -u NODE_EXTRA_CA_CERTS SSL_CERT_FILE=/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt \
  SSL_CERT_DIR=/nonexistent node -e "$1" other-root`,
    { args: [program] },
  );
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /^extra-ca=\/etc\/ssl\/certs\/ca-certificates\.crt$/m);
  assert.match(s.stdout, /^allowed: 200 hello from allowed\.test GET \/node$/m);
  assert.match(s.stdout, /^forbidden: error ENOTFOUND$/m);
  assert.match(s.stdout, /^forbidden-by-address: error (ECONNRESET|EPIPE)$/m);
  assert.match(s.stdout, /^exit=0$/m);
  assert.match(s.stdout, /^system-store: 200 hello from allowed\.test GET \/system-store$/m);
  // A store without the leash CA refuses the same leaf: the checks above are real ones.
  assert.match(
    s.stdout,
    /^other-root: error UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT_LOCALLY)$/m,
  );
  assert.deepEqual(w.upstreams.get("forbidden.test")!.seen, []);
  const log = await events(w, s.session);
  // Transparent, not CONNECT: the relay's original destination is the DNS stand-in address.
  assert.ok(
    log.some((e) =>
      e.event === "net.connect" && e.host === "allowed.test" && e.addr === "192.0.2.1" &&
      e.tls === true && e.decision === "allow"
    ),
    "transparent TLS to allowed.test",
  );
  assert.ok(
    log.some((e) => e.event === "dns.query" && e.host === "allowed.test" && e.decision === "allow"),
  );
  assert.ok(
    log.some((e) =>
      e.event === "dns.query" && e.host === "forbidden.test" && e.decision === "deny"
    ),
  );
  assert.ok(
    log.some((e) =>
      e.event === "net.connect" && e.host === "forbidden.test" && e.addr === "192.0.2.1" &&
      e.decision === "deny" && e.rule === "e2e-forbid"
    ),
    "transparent TLS to forbidden.test denied by rule",
  );
  await assertNoContainers(docker, s.session);
});

Deno.test("tls clients: a secret reaches the upstream as a header and appears nowhere in the container or the session's files", async () => {
  await using w = await world();
  const port = w.port("secret.test");
  const value = `lk-${crypto.randomUUID()}`;
  const canary = `canary-${crypto.randomUUID()}`;
  const b64 = (text: string) => btoa(text);
  // The value reaches the container's shell only base64-encoded and unexported (grep's argv
  // lives in /proc, which is not searched); the canary proves the search finds a planted file.
  const r = await leashSh(
    w,
    `curl -sS -o /dev/null -w 'status=%{http_code}\\n' https://secret.test:${port}/inject
P=$(printf %s '${b64(value)}' | base64 -d); C=$(printf %s '${b64(canary)}' | base64 -d)
printf %s "$C" > /tmp/leash-canary
echo "env=$(env | grep -cF -- "$P")"
echo "environ=$(cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -cF -- "$P")"
search() { find / \\( -path /proc -o -path /sys -o -path /dev \\) -prune -o -type f -print0 |
  xargs -0 grep -lF -- "$1" 2>/dev/null; }
echo '<<secret'; search "$P"; echo 'secret>>'
echo '<<canary'; search "$C"; echo 'canary>>'`,
    {
      extra: ["--mode", "record", "--secret", "API_KEY=env:LEASH_E2E_API_KEY"],
      env: { LEASH_E2E_API_KEY: value },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^status=200$/m);
  const seen = w.upstreams.get("secret.test")!.seen;
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.headers["x-api-key"], value);
  assert.match(r.stdout, /^env=0$/m);
  assert.match(r.stdout, /^environ=0$/m);
  assert.equal(section(r.stdout, "secret"), "");
  assert.equal(section(r.stdout, "canary"), "/tmp/leash-canary");
  assert.ok(!r.stdout.includes(value) && !r.stderr.includes(value));
  // No file of the session (events, target and manager logs, public dir) holds the value.
  const dir = w.sessionDir(r.session);
  const files: string[] = [];
  for await (const file of filesUnder(dir)) {
    files.push(file);
    const text = new TextDecoder("latin1").decode(await Deno.readFile(file));
    assert.ok(!text.includes(value), `${file} holds the secret value`);
  }
  assert.ok(files.some((f) => f.endsWith("events.ndjson")) && files.length >= 4, files.join());
  const log = await events(w, r.session);
  const rewrite = log.find((e) => e.event === "http.rewrite");
  assert.equal(rewrite?.decision, "allow");
  assert.equal(rewrite?.rule, "e2e-inject-key");
  assert.equal(rewrite?.value, "«secret:API_KEY»");
  await assertNoContainers(docker, r.session);
});
