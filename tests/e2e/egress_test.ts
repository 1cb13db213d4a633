/**
 * Egress end to end (issue 6): `leash run` with the Debian fixture image (curl, node), the real
 * manager, relay and host proxy, and real servers on the host: HTTPS upstreams with a test CA
 * the proxy is given (`LEASH_UPSTREAM_CA`, names pinned to loopback by
 * `LEASH_UPSTREAM_HOSTS`), a plain HTTP one, an HTTP/2 one, WebSocket echo, a slow server, one
 * whose certificate no trusted CA signed, and HTTP and speak-first TCP servers on a host IP for
 * the IP rules. tls_clients_test.ts covers the CA in the image, HTTPS through the proxy, 403
 * naming the rule, node transparently and secret injection with the value nowhere; this file
 * covers the rest of the issue's list. Several checks share one session; each prints its own
 * `<<name ... name>>` section so a failure names the check.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createCa } from "../../src/ca/mod.ts";
import { ensureDebianImage } from "../fixtures/debian_image.ts";
import { startH2Upstream, type TestUpstream } from "../integration/_h2_upstream.ts";
import { patternDigest, startUpstream, type Upstream } from "../integration/_proxy_harness.ts";
import { buildNetprobe } from "../kernel/vm_harness.ts";
import {
  type ContainerIpServers,
  type SlowUpstream,
  startContainerIpServers,
  startSlowUpstream,
} from "./_egress_servers.ts";
import { type DebianSandbox, debianSandbox, leashSh, TEST_NET_RULES } from "./_debian.ts";
import { NODE_PROGRAM } from "./_node_clients.ts";
import {
  assertNoContainers,
  filesUnder,
  type LeashResult,
  section,
  sessionDir,
  sessionEvents,
  setup,
} from "./_session.ts";
import { localEngineOnly } from "./_remote.ts";

const HOST_PROBE = localEngineOnly(
  "mounts netprobe from this host with -v and dials IP upstreams in a container on the engine's bridge network, which this host's proxy cannot reach on a remote engine (tests/remote/sessions_test.ts covers egress there)",
);

const { docker, image } = await setup(ensureDebianImage);
globalThis.addEventListener("unload", () => docker.close());

/** netprobe (tests/kernel/tools) prints the errno a socket call got: built once per run. */
const probeDir = await Deno.makeTempDir({ prefix: "leash-e2e-probe-" });
const NETPROBE = join(probeDir, "netprobe");
await buildNetprobe(NETPROBE);
globalThis.addEventListener("unload", () => Deno.removeSync(probeDir, { recursive: true }));

const HTTPS_NAMES = ["allowed.test", "secret.test", "forbidden.test"];
const ALL_NAMES = [...HTTPS_NAMES, "plain.test", "h2.test", "slow.test", "untrusted.test"];

/** The network part of the policy; the file rules come from the built-in policy. */
function netRules(ip?: ContainerIpServers): string {
  return `${TEST_NET_RULES}@id("e2e-forbid-net")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"203.0.113.0/24");
@id("e2e-forbid-net6")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"2001:db8:bad::/48");
${
    ip
      ? `@id("e2e-host-ip-http")
permit (principal, action == Action::"NetworkConnect", resource == Host::"${ip.ip}:${ip.http}");
@id("e2e-host-ip-banner")
permit (principal, action == Action::"NetworkConnect", resource == Host::"${ip.ip}:${ip.banner}");
`
      : ""
  }`;
}

/** A Debian sandbox with every upstream running. */
interface World extends DebianSandbox {
  https: Map<string, Upstream>;
  plain: Upstream;
  h2: TestUpstream;
  slow: SlowUpstream;
  untrusted: Upstream;
  /** The IP-rule servers, in a container on Docker's bridge (not an address of this host). */
  ip: ContainerIpServers;
  /** Shell variables naming every port, for the scripts. */
  vars: string;
  [Symbol.asyncDispose](): Promise<void>;
}

async function world(): Promise<World> {
  const ip = await startContainerIpServers(docker, image);
  const base = await debianSandbox({ image, names: ALL_NAMES, netRules: netRules(ip) });
  const { box, upstreamCa } = base;
  const stranger = await createCa({ commonName: "a CA the proxy does not trust" });
  const https = new Map<string, Upstream>();
  for (const name of HTTPS_NAMES) https.set(name, await startUpstream(name, upstreamCa));
  const plain = await startUpstream("plain.test");
  const h2 = await startH2Upstream("h2.test", upstreamCa);
  const slow = await startSlowUpstream("slow.test", upstreamCa);
  const untrusted = await startUpstream("untrusted.test", stranger);
  const vars = [
    `PA=${https.get("allowed.test")!.port}`,
    `PS=${https.get("secret.test")!.port}`,
    `PF=${https.get("forbidden.test")!.port}`,
    `PP=${plain.port}`,
    `PH=${h2.port}`,
    `PSLOW=${slow.port}`,
    `PU=${untrusted.port}`,
    `IP=${ip.ip}`,
    `PI=${ip.http}`,
    `PB=${ip.banner}`,
    `PD=${ip.bannerDenied}`,
  ].join("; ");
  return {
    ...base,
    https,
    plain,
    h2,
    slow,
    untrusted,
    ip,
    vars,
    async [Symbol.asyncDispose]() {
      for (const u of https.values()) await u.close();
      await plain.close();
      await h2.close();
      await slow.close();
      await untrusted.close();
      await ip.close();
      await box[Symbol.asyncDispose]();
    },
  };
}

/**
 * `leash run --image <debian> --policy <world's> -v netprobe [EXTRA...] -- sh -c SCRIPT sh
 * NODE_PROGRAM`, the script prefixed with the port variables.
 */
async function runSh(
  w: World,
  script: string,
  options: { extra?: string[]; env?: Record<string, string> } = {},
): Promise<LeashResult> {
  return await leashSh(w, `${w.vars}\n${script}`, {
    extra: ["-v", `${NETPROBE}:/usr/local/bin/netprobe:ro`, ...(options.extra ?? [])],
    env: options.env ?? {},
    args: [NODE_PROGRAM],
  });
}

function hasEvent(
  log: Record<string, unknown>[],
  match: Record<string, unknown>,
): boolean {
  return log.some((e) => Object.entries(match).every(([k, v]) => e[k] === v));
}

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("egress: HTTP and HTTPS, explicit and transparent (a client that ignores the proxy variables), HTTP/2 end to end, WebSocket, streaming, DNS", HOST_PROBE, async () => {
  await using w = await world();
  const r = await runSh(
    w,
    `echo '<<http-explicit'; curl -sS http://plain.test:$PP/explicit; echo "exit=$?"; echo 'http-explicit>>'
echo '<<http-transparent'
curl -sS --noproxy '*' http://plain.test:$PP/transparent; echo "exit=$?"; echo 'http-transparent>>'
echo '<<https-transparent'
curl -sS --noproxy '*' https://allowed.test:$PA/transparent; echo "exit=$?"; echo 'https-transparent>>'
echo '<<forbidden-transparent'
curl -sS --noproxy '*' https://forbidden.test:$PF/by-name 2>&1; echo "exit=$?"
curl -sS --noproxy '*' --resolve forbidden.test:$PF:192.0.2.1 https://forbidden.test:$PF/by-sni 2>&1
echo "exit=$?"; echo 'forbidden-transparent>>'
echo '<<h2-explicit'
curl -sS --http2 -w '\\nversion=%{http_version}\\n' https://h2.test:$PH/explicit; echo "exit=$?"
echo 'h2-explicit>>'
echo '<<h2-transparent'
curl -sS --noproxy '*' --http2 -w '\\nversion=%{http_version}\\n' https://h2.test:$PH/transparent
echo "exit=$?"; echo 'h2-transparent>>'
echo '<<node'
node -e "$1" ws wss://allowed.test:$PA/ws ws://plain.test:$PP/ws
node -e "$1" slow https://slow.test:$PSLOW
node -e "$1" dns allowed.test forbidden.test not-in-policy.example
echo 'node>>'`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /cgroup-net +active/);
  assert.equal(
    section(r.stdout, "http-explicit"),
    "hello from plain.test GET /explicit\nexit=0",
  );
  assert.equal(
    section(r.stdout, "http-transparent"),
    "hello from plain.test GET /transparent\nexit=0",
  );
  assert.equal(
    section(r.stdout, "https-transparent"),
    "hello from allowed.test GET /transparent\nexit=0",
  );
  const forbidden = section(r.stdout, "forbidden-transparent");
  assert.match(forbidden, /Could not resolve host: forbidden\.test\nexit=6/);
  // The SNI names a forbidden host: the proxy closes before any TLS answer.
  assert.match(forbidden, /exit=35$/);
  assert.deepEqual(w.https.get("forbidden.test")!.seen, []);
  assert.equal(
    section(r.stdout, "h2-explicit"),
    "hello from h2.test GET /explicit\nversion=2\nexit=0",
  );
  assert.equal(
    section(r.stdout, "h2-transparent"),
    "hello from h2.test GET /transparent\nversion=2\nexit=0",
  );
  // The upstream received HTTP/2 on both paths (ALPN h2 on its side too).
  assert.deepEqual(
    w.h2.seen.map((s) => [s.path, s.alpn]),
    [["/explicit", "h2"], ["/transparent", "h2"]],
  );
  const node = section(r.stdout, "node");
  assert.match(node, new RegExp(`^ws wss://allowed\\.test:\\d+/ws: 101 echo:hi wss:$`, "m"));
  assert.match(node, new RegExp(`^ws ws://plain\\.test:\\d+/ws: 101 echo:hi ws:$`, "m"));
  assert.match(node, /^slow: first part \| second part$/m);
  assert.deepEqual(w.slow.paths.sort(), ["/release", "/slow"]);
  assert.match(node, /^dns allowed\.test: 192\.0\.2\.1$/m);
  assert.match(node, /^dns forbidden\.test: error ENOTFOUND$/m);
  assert.match(node, /^dns not-in-policy\.example: error ENOTFOUND$/m);
  const log = await sessionEvents(w.box, r.session);
  assert.ok(hasEvent(log, { event: "dns.query", host: "not-in-policy.example", decision: "deny" }));
  assert.ok(hasEvent(log, { event: "http.request", host: "plain.test", status: 101 }));
  assert.ok(
    hasEvent(log, {
      event: "net.connect",
      host: "forbidden.test",
      addr: "192.0.2.1",
      decision: "deny",
      rule: "e2e-forbid",
    }),
    "transparent TLS to forbidden.test denied by its rule",
  );
  await assertNoContainers(docker, r.session);
});

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("egress: a connect to an address no rule and no answer of leash's DNS named fails at once with EPERM; a name leash's DNS answered and an IP a rule permits connect", HOST_PROBE, async () => {
  await using w = await world();
  const r = await runSh(
    w,
    `echo '<<unnamed'
netprobe tcp 198.51.100.7 443
netprobe tcp 2001:db8::7 443
curl -sS --noproxy '*' --resolve allowed.test:$PA:192.0.2.1 https://allowed.test:$PA/before-dns 2>&1
echo "exit=$?"
echo 'unnamed>>'
echo '<<named'
curl -sS --noproxy '*' https://allowed.test:$PA/by-dns; echo "exit=$?"
curl -sS --noproxy '*' --resolve allowed.test:$PA:192.0.2.1 https://allowed.test:$PA/after-dns; echo "exit=$?"
echo 'named>>'
echo '<<rule'
[ -n "$IP" ] && { curl -sS --noproxy '*' http://$IP:$PI/by-rule; echo "exit=$?"; }
echo 'rule>>'`,
  );
  assert.equal(r.code, 0, r.stderr);
  const unnamed = section(r.stdout, "unnamed").split("\n");
  // Refused by the kernel at connect: the relay never accepted them.
  assert.match(unnamed[0]!, /^error EPERM connect/);
  assert.match(unnamed[1]!, /^error EPERM connect/);
  // curl reports the refused connect (7), before leash's DNS named 192.0.2.1.
  assert.match(
    unnamed.slice(2).join("\n"),
    /Failed to connect to allowed\.test port \d+.*\nexit=7$/s,
  );
  assert.equal(
    section(r.stdout, "named"),
    "hello from allowed.test GET /by-dns\nexit=0\nhello from allowed.test GET /after-dns\nexit=0",
  );
  assert.deepEqual(
    w.https.get("allowed.test")!.seen.map((s) => s.path),
    ["/by-dns", "/after-dns"],
  );
  if (w.ip) {
    assert.equal(section(r.stdout, "rule"), `hello from ${w.ip.ip} /by-rule\nexit=0`);
    assert.deepEqual((await w.ip.stats()).httpPaths, ["/by-rule"]);
  }
  const log = await sessionEvents(w.box, r.session);
  for (const addr of ["198.51.100.7", "2001:db8::7"]) {
    assert.ok(
      hasEvent(log, { layer: "cgroup-net", decision: "deny", addr, unnamed: true }),
      `kernel deny event for ${addr}`,
    );
  }
  await assertNoContainers(docker, r.session);
});

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("egress: 100 MB download (HTTP/2) and upload (HTTP/1.1) through leash arrive with matching checksums", HOST_PROBE, async () => {
  await using w = await world();
  const n = 100 * 1024 * 1024;
  const r = await runSh(
    w,
    `N=${n}
echo '<<download'
curl -sS -o /tmp/down -w 'version=%{http_version} size=%{size_download}\\n' "https://allowed.test:$PA/big?n=$N"
echo "exit=$?"; sha256sum /tmp/down | cut -d' ' -f1; rm -f /tmp/down; echo 'download>>'
echo '<<upload'
head -c $N /dev/urandom > /tmp/up; sha256sum /tmp/up | cut -d' ' -f1
curl -sS --http1.1 -T /tmp/up -w '\\nversion=%{http_version}\\n' https://allowed.test:$PA/upload
echo "exit=$?"
rm -f /tmp/up; echo 'upload>>'`,
  );
  assert.equal(r.code, 0, r.stderr);
  const down = section(r.stdout, "download").split("\n");
  // Down over HTTP/2 (curl's default; the upstream selects h2), up over HTTP/1.1 with
  // Expect: 100-continue: both of the proxy's paths carry 100 MB intact.
  assert.equal(down[0], `version=2 size=${n}`);
  assert.deepEqual(down.slice(1), ["exit=0", patternDigest(n)]);
  const [digest, body, version, exit] = section(r.stdout, "upload").split("\n");
  assert.deepEqual(JSON.parse(body!), { bytes: n, sha256: digest });
  assert.equal(version, "version=1.1");
  assert.equal(exit, "exit=0");
  await assertNoContainers(docker, r.session);
});

Deno.test({
  name:
    "egress: IP literal and CIDR rules, non-HTTP TCP, direct UDP and raw sockets in the kernel and the proxy",
  ...HOST_PROBE,
}, async () => {
  await using w = await world();
  const ip = w.ip;
  const r = await runSh(
    w,
    `echo '<<ip-explicit'; curl -sS http://$IP:$PI/explicit; echo "exit=$?"; echo 'ip-explicit>>'
echo '<<ip-transparent'
curl -sS --noproxy '*' http://$IP:$PI/transparent; echo "exit=$?"; echo 'ip-transparent>>'
echo '<<ip-other-port'; curl -sS -i http://$IP:$PD/; echo; echo 'ip-other-port>>'
echo '<<cidr-explicit'; curl -sS -i http://203.0.113.9/; echo; echo 'cidr-explicit>>'
echo '<<tcp'
node -e "$1" banner $IP $PB
node -e "$1" banner $IP $PD
netprobe tcp 203.0.113.9 22
netprobe tcp 2001:db8:bad::1 22
echo 'tcp>>'
echo '<<udp'
netprobe udp-send 198.51.100.1 9999
netprobe udp-send $IP 9999
node -e "$1" udp 198.51.100.1 443
node -e "$1" udp 2001:db8::7 443
echo 'udp>>'
echo '<<raw'; netprobe raw; netprobe packet; echo 'raw>>'`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(section(r.stdout, "ip-explicit"), `hello from ${ip.ip} /explicit\nexit=0`);
  assert.equal(section(r.stdout, "ip-transparent"), `hello from ${ip.ip} /transparent\nexit=0`);
  const stats = await ip.stats();
  assert.deepEqual(stats.httpPaths, ["/explicit", "/transparent"]);
  const other = section(r.stdout, "ip-other-port");
  assert.match(other, /^HTTP\/1\.1 403 /);
  assert.match(other, /denied: no rule permits/);
  const cidr = section(r.stdout, "cidr-explicit");
  assert.match(cidr, /^HTTP\/1\.1 403 /);
  assert.match(cidr, /denied by rule "e2e-forbid-net"/);
  const tcp = section(r.stdout, "tcp").split("\n");
  // Permitted speak-first server: its banner arrives and the client's line reaches it.
  assert.equal(tcp[0], `banner ${ip.banner}: SSH-2.0-leash-e2e | got hello`);
  // Not permitted: refused before anything of the server reaches the client; it never saw one.
  assert.match(
    tcp[1]!,
    new RegExp(
      `^banner ${ip.bannerDenied}: (error (ECONNRESET|EPERM|ECONNREFUSED)|closed, nothing received)$`,
    ),
  );
  assert.equal(stats.accepted[ip.bannerDenied], 0);
  assert.equal(stats.accepted[ip.banner], 1);
  // A forbidden network is refused by the kernel at connect (IPv4 and IPv6 alike).
  assert.match(tcp[2]!, /^error EPERM/);
  assert.match(tcp[3]!, /^error EPERM/);
  const udp = section(r.stdout, "udp").split("\n");
  assert.match(udp[0]!, /^error EPERM/);
  assert.match(udp[1]!, /^error EPERM/);
  assert.equal(udp[2], "udp 198.51.100.1: error EPERM");
  assert.equal(udp[3], "udp 2001:db8::7: error EPERM");
  const raw = section(r.stdout, "raw").split("\n");
  assert.match(raw[0]!, /^error EPERM/);
  assert.match(raw[1]!, /^error EPERM/);
  const log = await sessionEvents(w.box, r.session);
  assert.ok(
    hasEvent(log, { event: "net.connect", addr: ip.ip, port: ip.banner, decision: "allow" }),
  );
  assert.ok(
    hasEvent(log, { layer: "cgroup-net", decision: "deny", addr: "203.0.113.9" }),
    `kernel deny event for 203.0.113.9:\n${
      log.filter((e) => e.layer === "cgroup-net").map((e) => JSON.stringify(e)).join("\n")
    }`,
  );
  await assertNoContainers(docker, r.session);
});

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("egress: without cgroup-net (LEASH_DISABLE_LAYERS) a client that ignores the proxy variables is refused; --require cgroup-net refuses to start", HOST_PROBE, async () => {
  await using w = await world();
  const disable = { LEASH_DISABLE_LAYERS: "cgroup-net" };
  const r = await runSh(
    w,
    `echo '<<explicit'; curl -sS https://allowed.test:$PA/explicit; echo "exit=$?"; echo 'explicit>>'
echo '<<direct'
curl -sS --noproxy '*' https://allowed.test:$PA/by-name 2>&1; echo "exit=$?"
curl -sS --noproxy '*' --resolve allowed.test:$PA:192.0.2.1 https://allowed.test:$PA/by-address 2>&1
echo "exit=$?"
curl -sS --noproxy '*' --resolve allowed.test:$PA:127.0.0.1 https://allowed.test:$PA/loopback 2>&1
echo "exit=$?"
echo 'direct>>'
echo '<<udp'; netprobe udp-send 198.51.100.1 9999; echo 'udp>>'`,
    { env: disable },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /cgroup-net +off +disabled by LEASH_DISABLE_LAYERS/);
  assert.match(r.stderr, /netns +active/);
  assert.equal(section(r.stdout, "explicit"), "hello from allowed.test GET /explicit\nexit=0");
  const direct = section(r.stdout, "direct");
  // No DNS relay without cgroup-net, no route but lo, and nothing on the target's own lo.
  assert.match(direct, /Could not resolve host: allowed\.test\nexit=6\n/);
  assert.match(direct, /Failed to connect to allowed\.test port \d+ .*\nexit=7\n.*\nexit=7$/s);
  assert.deepEqual(w.https.get("allowed.test")!.seen.map((s) => s.path), ["/explicit"]);
  // The network namespace alone refuses direct UDP (unreachable rather than EPERM).
  assert.match(section(r.stdout, "udp"), /^error ENETUNREACH/);
  await assertNoContainers(docker, r.session);

  const required = await runSh(w, "true", { extra: ["--require", "cgroup-net"], env: disable });
  assert.equal(required.code, 1, required.stderr);
  assert.match(
    required.stderr,
    /error: Cannot start the session: --require "cgroup-net" not active: cgroup-net: disabled by LEASH_DISABLE_LAYERS/,
  );
  await assertNoContainers(docker, required.session);
});

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("egress: a request whose Host and TLS server name disagree is refused (421) and no secret leaves; an upstream with an untrusted certificate is refused", HOST_PROBE, async () => {
  await using w = await world();
  const value = `lk-${crypto.randomUUID()}`;
  const status = (label: string, curlArgs: string) =>
    `curl -sS -o /dev/null -w '${label}=%{http_code}\\n' ${curlArgs}`;
  const r = await runSh(
    w,
    `echo '<<statuses'
${status("match", "https://secret.test:$PS/match")}
${
      status(
        "host-mismatch-h1",
        `--http1.1 -H "Host: allowed.test:$PA" https://secret.test:$PS/host-h1`,
      )
    }
${status("host-mismatch-h2", `--http2 -H "Host: allowed.test:$PA" https://secret.test:$PS/host-h2`)}
${status("sni-mismatch", `-H "Host: secret.test:$PS" https://allowed.test:$PA/sni`)}
${
      status(
        "transparent-mismatch",
        `--noproxy '*' -H "Host: allowed.test:$PA" https://secret.test:$PS/transparent`,
      )
    }
echo 'statuses>>'
echo '<<untrusted'; curl -sS -i https://untrusted.test:$PU/explicit 2>&1; echo; echo "exit=$?"
echo 'untrusted>>'
echo '<<untrusted-transparent'
curl -sS -i --noproxy '*' https://untrusted.test:$PU/transparent 2>&1; echo; echo 'untrusted-transparent>>'`,
    {
      extra: ["--secret", "API_KEY=env:LEASH_E2E_API_KEY"],
      env: { LEASH_E2E_API_KEY: value },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    section(r.stdout, "statuses"),
    [
      "match=200",
      "host-mismatch-h1=421",
      "host-mismatch-h2=421",
      "sni-mismatch=421",
      "transparent-mismatch=421",
    ].join("\n"),
  );
  const keys = (name: string) =>
    w.https.get(name)!.seen.map((s) => [s.path, s.headers["x-api-key"] ?? "none"]);
  // Only the request whose TLS server name and Host agree is forwarded (with the secret): the
  // others are misdirected (domain fronting) and reach no upstream.
  assert.deepEqual(keys("secret.test"), [["/match", value]]);
  assert.deepEqual(keys("allowed.test"), []);
  for (const part of ["untrusted", "untrusted-transparent"]) {
    const text = section(r.stdout, part);
    // (curl -i also prints the proxy's answer to CONNECT on the explicit path.)
    assert.match(text, /^HTTP\/[12](\.1)? 502/m, text);
    assert.match(text, /Cannot connect with TLS to "untrusted\.test:\d+"/, text);
  }
  assert.deepEqual(w.untrusted.seen, []);
  assert.ok(!r.stdout.includes(value) && !r.stderr.includes(value));
  const log = await sessionEvents(w.box, r.session);
  const refused = log.filter((e) => e.event === "http.request" && e.status === 421);
  assert.equal(refused.length, 4, JSON.stringify(refused));
  for (const e of refused) {
    assert.equal(e.decision, "deny");
    assert.match(String(e.message), /misdirected request refused: the request names/);
  }
  assert.ok(
    hasEvent(log, { event: "http.request", host: "untrusted.test", status: 502 }),
    "502 event for the untrusted upstream",
  );
  for await (const file of filesUnder(sessionDir(w.box, r.session))) {
    const text = new TextDecoder("latin1").decode(await Deno.readFile(file));
    assert.ok(!text.includes(value), `${file} holds the secret value`);
  }
  await assertNoContainers(docker, r.session);
});
