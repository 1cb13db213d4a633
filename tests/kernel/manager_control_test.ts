/**
 * `leash-helper manager --control` against a real container on this host's kernel: this test
 * is the host (tests/kernel/fake_host.ts listens on control/proxy/dns sockets), the manager
 * runs from the manager image in the target's network namespace exactly as leash starts it,
 * and busybox in a `--network none` target shows what an agent would see: transparent and
 * explicit TCP through the relay, DNS, half-close, no fd leak over 10,000 connections, and
 * no egress at all once the control socket closes.
 */
import assert from "node:assert/strict";
import { DockerClient } from "../../src/docker/mod.ts";
import { encodeBase64 } from "../../src/boot/mod.ts";
import { DNS_ANSWER } from "./fake_host.ts";
import { encodedMaps, rootDockerSkip, sh, startSession } from "./manager_session.ts";
import { note } from "./note.ts";

const POLICY = `
@id("read-all")
permit (principal, action == Action::"FileOpen", resource) when { resource in Dir::"/" };
@id("exec-all")
permit (principal, action == Action::"ProcessExec", resource) when { resource in Dir::"/" };
@id("relay-v4")
permit (principal, action == Action::"NetworkConnect", resource in Host::"1.2.3.4");
@id("relay-v6")
permit (principal, action == Action::"NetworkConnect", resource in Host::"2001:db8::1");
@id("no-testnet")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"192.0.2.0/24");
`;

const skip = await rootDockerSkip("loading eBPF programs needs root");
if (skip) note(`Manager control tests skipped: ${skip}`);

async function fdCount(pid: number): Promise<number> {
  let n = 0;
  for await (const _ of Deno.readDir(`/proc/${pid}/fd`)) n++;
  return n;
}

/** Retries `read` until it returns `want` (the relay closes asynchronously), at most ~10 s. */
async function settle(read: () => Promise<number>, want: number): Promise<number> {
  let got = await read();
  for (let i = 0; i < 100 && got !== want; i++) {
    await new Promise((r) => setTimeout(r, 100));
    got = await read();
  }
  return got;
}

Deno.test({
  name:
    "manager --control: hello, activate, relay (transparent, explicit, DNS), updates, fail closed",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    using docker = await DockerClient.connect();
    await using session = await startSession(docker);
    const { host, target, cgroup, hello } = session;
    const mgr = session.manager;
    assert.equal(hello.protocol, 1);
    assert.equal(typeof hello.version, "string");
    assert.equal(hello.kernel, Deno.osRelease());
    const probe = hello.probe as Record<string, unknown>;
    assert.equal(probe.cgroup, "ok");
    note(`hello: ${JSON.stringify(hello)}`);

    const maps = encodedMaps(POLICY);
    await host.send({
      type: "activate",
      cgroup,
      mode: "enforce",
      maps,
      layers: ["kernel-lsm", "cgroup-net", "observe"],
      log_allow: false,
    });
    const active = await host.next((m) => m.type === "active" || m.type === "error");
    note(`active: ${JSON.stringify(active)}`);
    assert.equal(active.type, "active");
    const layers = active.layers as Record<string, string>;
    assert.equal(layers["cgroup-net"], "ok");
    assert.equal(layers["kernel-lsm"] === "ok", probe.lsm === "ok", "probe and activate agree");
    if (layers["kernel-lsm"] !== "ok") assert.match(layers["kernel-lsm"]!, /^E[A-Z]+: /);
    assert.deepEqual(active.relay, { explicit: 3128, transparent: 15001, dns: 15053 });
    if (layers["kernel-lsm"] === "ok") assert.equal(active.exec_mappings, "ok");
    else assert.match(String(active.exec_mappings), /^off: /);

    const exec = (...args: string[]) => sh("docker", ["exec", target, ...args]);

    /* transparent: the cgroup program sends 1.2.3.4:80 to the relay, which names it */
    const wget = await exec("wget", "-q", "-O", "-", "http://1.2.3.4/");
    assert.equal(wget.out, "hello from 1.2.3.4:80");
    const transparent = host.streams.find((s) => s.header.dst === "1.2.3.4:80")!;
    assert.equal(transparent.header.v, 1);
    assert.equal(transparent.header.kind, "transparent");
    assert.equal(transparent.header.relay_port, 15001);
    assert.match(String(transparent.header.src), /^127\.0\.0\.1:\d+$/);
    assert.match(transparent.received, /^GET \/ HTTP\/1\.[01]\r\nHost: 1\.2\.3\.4\r\n/);

    /* explicit proxy on 3128 */
    const explicit = await sh("docker", [
      "exec",
      "-e",
      "http_proxy=http://127.0.0.1:3128",
      target,
      "wget",
      "-q",
      "-O",
      "-",
      "http://example.test/",
    ]);
    assert.equal(explicit.out, "hello from explicit");
    const ex = host.streams.find((s) => s.header.kind === "explicit")!;
    assert.equal(ex.header.relay_port, 3128);
    assert.equal(ex.header.dst, undefined);
    assert.match(ex.received, /^GET http:\/\/example\.test\/ HTTP\/1\.[01]\r\n/);

    /* half-close both ways: the echo comes only after the host saw the client's FIN */
    const half = await exec("relayprobe", "halfclose", "1.2.3.4", "7", "ping-half");
    assert.equal(half.out, "got ping-half");
    const v6 = await exec("relayprobe", "halfclose", "2001:db8::1", "443", "ping-v6");
    assert.equal(v6.out, "got ping-v6");
    const v6stream = host.streams.find((s) => s.received === "ping-v6")!;
    assert.equal(v6stream.header.dst, "[2001:db8::1]:443");
    assert.match(String(v6stream.header.src), /^\[::1\]:\d+$/);

    /* a connection straight to 15001 has no original destination: closed, reported */
    const direct = await exec("relayprobe", "halfclose", "127.0.0.1", "15001", "x");
    /* closed with the client's byte unread: EOF or a reset, never an answer */
    assert.match(direct.out, /^(got|error exchange: Connection reset by peer)$/);
    const relayError = await host.next((m) => m.type === "relay.error");
    assert.match(String(relayError.message), /original destination is unknown/);

    /* DNS: 8.8.8.8:53 → 15053 → dns.sock, the answer returns as if from 8.8.8.8 */
    const lookup = await exec("nslookup", "example.test", "8.8.8.8");
    assert.match(lookup.out, new RegExp(`Address:\\s+${DNS_ANSWER.replaceAll(".", "\\.")}`));
    assert.match(lookup.out, /Server:\s+8\.8\.8\.8/);
    const query = host.dnsQueries[0]!;
    assert.equal(query.kind, "dns");
    assert.equal(query.dst, "8.8.8.8:53");
    assert.match(String(query.src), /^127\.0\.0\.1:\d+$/);

    /* forbidden by IP: refused by the kernel with an event, never reaches the relay */
    const denied = await exec("relayprobe", "halfclose", "192.0.2.7", "443", "x");
    assert.match(denied.out, /^error connect: Operation not permitted/);
    const event = await host.next((m) =>
      m.type === "event" && (m.event as Record<string, unknown>).addr === "192.0.2.7" &&
      (m.event as Record<string, unknown>).layer === "cgroup-net"
    );
    const ev = event.event as Record<string, unknown>;
    assert.equal(ev.decision, "deny");
    assert.equal(ev.rule, "no-testnet");
    assert.equal(ev.layer, "cgroup-net");

    /* an address no rule named: refused at connect until a DNS answer names it (dst.permit) */
    const unnamed = await exec("relayprobe", "halfclose", "198.51.100.7", "443", "x");
    assert.match(unnamed.out, /^error connect: Operation not permitted/);
    await host.send({ type: "dst.permit", id: 7, addrs: "198.51.100.7 2001:db8::7", ttl: 60 });
    assert.deepEqual(await host.next((m) => m.type === "dst.permitted"), {
      type: "dst.permitted",
      id: 7,
      ok: true,
      count: 2,
    });
    assert.equal(
      (await exec("relayprobe", "halfclose", "198.51.100.7", "443", "named")).out,
      "got named",
    );
    await host.send({ type: "dst.permit", id: 8, addrs: "not-an-ip", ttl: 60 });
    const badPermit = await host.next((m) => m.type === "dst.permitted");
    assert.equal(badPermit.id, 8);
    assert.equal(badPermit.ok, false);
    assert.match(String(badPermit.message), /"not-an-ip": not an IP address/);
    /* the table is bounded: past 16,384 live entries a permit fails (the host then fails closed) */
    const lots = Array.from({ length: 16400 }, (_, i) => `10.9.${i >> 8}.${i & 255}`);
    await host.send({ type: "dst.permit", id: 9, addrs: lots.join(" "), ttl: 60 });
    const full = await host.next((m) => m.type === "dst.permitted");
    assert.equal(full.id, 9);
    assert.equal(full.ok, false);
    assert.match(String(full.message), /table of DNS-named addresses is full \(16384 entries/);

    /* runtime changes */
    await host.send({ type: "mode.set", mode: "record" });
    assert.deepEqual(await host.next((m) => m.type.startsWith("mode.") || m.type === "error"), {
      type: "mode.updated",
      mode: "record",
    });
    const recorded = await exec("relayprobe", "halfclose", "192.0.2.7", "443", "rec");
    assert.equal(recorded.out, "got rec", "record mode lets the forbidden address through");
    await host.send({ type: "mode.set", mode: "enforce" });
    await host.next((m) => m.type === "mode.updated" && m.mode === "enforce");
    await host.send({ type: "policy.update", maps: "not base64!" });
    const bad = await host.next((m) => m.type === "error");
    assert.equal(bad.phase, "policy.update");
    await host.send({ type: "policy.update", maps: encodeBase64(new Uint8Array(10)) });
    assert.equal((await host.next((m) => m.type === "error")).phase, "policy.update");
    const still = await exec("relayprobe", "halfclose", "192.0.2.7", "443", "x");
    assert.match(still.out, /^error connect/, "a refused update keeps the old policy");
    const open = encodedMaps(
      POLICY.split('@id("no-testnet")')[0]! +
        'permit (principal, action == Action::"NetworkConnect", resource in Host::"192.0.2.0/24");',
    );
    await host.send({ type: "policy.update", maps: open });
    assert.equal(
      (await host.next((m) => m.type.startsWith("policy.") || m.type === "error")).type,
      "policy.updated",
    );
    assert.equal(
      (await exec("relayprobe", "halfclose", "192.0.2.7", "443", "new")).out,
      "got new",
    );
    await host.send({ type: "no.such.thing" });
    assert.equal((await host.next((m) => m.type === "error")).phase, "protocol");
    await host.send({ type: "policy.update", maps });

    /* 10,000 connections through the relay: no descriptor stays behind */
    const mgrPid = (await docker.containers.inspect(mgr)).State.Pid;
    const before = await fdCount(mgrPid);
    const streamsBefore = host.streamCount;
    const many = await exec("relayprobe", "many", "1.2.3.4", "80", "10000");
    assert.match(many.out, /^ok 10000 seconds /);
    assert.equal(host.streamCount - streamsBefore, 10000);
    const after = await settle(() => fdCount(mgrPid), before);
    note(`manager fds before ${before}, after 10,000 relayed connections ${after}`);
    assert.equal(after, before);

    /* fail closed: the host goes away, the manager exits non-zero, no egress remains */
    host.closeControl();
    const exit = await docker.containers.wait(mgr);
    assert.notEqual(exit.StatusCode, 0);
    const afterWget = await exec("wget", "-q", "-T", "3", "-O", "-", "http://1.2.3.4/");
    assert.notEqual(afterWget.code, 0);
    assert.notEqual((await exec("relayprobe", "halfclose", "127.0.0.1", "3128", "x")).code, 0);
    assert.notEqual((await exec("relayprobe", "halfclose", "1.2.3.4", "80", "x")).code, 0);
  },
});

Deno.test({
  name: "manager --control: refuses bad activations in staging, stop exits 0, SIGTERM fails closed",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    using docker = await DockerClient.connect();
    const maps = encodedMaps(POLICY);
    const exec = (target: string, ...args: string[]) => sh("docker", ["exec", target, ...args]);
    {
      await using session = await startSession(docker);
      const { host, target, cgroup } = session;
      await host.send({ type: "mode.set", mode: "record" });
      assert.match(String((await host.next((m) => m.type === "error")).message), /not active/);
      await host.sendRaw("this is not json\n");
      assert.equal((await host.next((m) => m.type === "error")).phase, "protocol");
      const layers = ["cgroup-net"];
      await host.send({ type: "activate", cgroup: "/no/such/cgroup", maps, layers });
      const missing = await host.next((m) => m.type === "error");
      assert.equal(missing.phase, "activate");
      assert.match(String(missing.message), /^Cannot open target cgroup ".*\/no\/such\/cgroup": /);
      await host.send({ type: "activate", cgroup: `${cgroup}/../..`, maps, layers });
      assert.equal((await host.next((m) => m.type === "error")).phase, "activate");
      /* the cgroup root would put every process of the host under the policy */
      for (const root of ["/", "//", "/.", `${cgroup}/`]) {
        await host.send({ type: "activate", cgroup: root, maps, layers });
        const refused = await host.next((m) => m.type === "error");
        assert.equal(refused.phase, "activate", root);
        assert.match(String(refused.message), /below the root .*never "\/"/, root);
      }
      const bad = new Uint8Array(64).fill(7);
      await host.send({ type: "activate", cgroup, maps: encodeBase64(bad), layers });
      assert.match(
        String((await host.next((m) => m.type === "error")).message),
        /^Cannot read map image: bad magic/,
      );
      assert.notEqual(
        (await exec(target, "relayprobe", "halfclose", "127.0.0.1", "3128", "x")).code,
        0,
        "no relay after a refused activation",
      );
      await host.send({ type: "activate", cgroup, mode: "shadow", maps, layers });
      const active = await host.next((m) => m.type === "active" || m.type === "error");
      assert.deepEqual(active.layers, { "cgroup-net": "ok" });
      assert.equal(
        (await exec(target, "relayprobe", "halfclose", "1.2.3.4", "80", "up")).out,
        "got up",
      );
      await host.send({ type: "stop" });
      await host.next((m) => m.type === "stopped");
      assert.equal((await docker.containers.wait(session.manager)).StatusCode, 0);
      assert.notEqual(
        (await exec(target, "relayprobe", "halfclose", "1.2.3.4", "80", "x")).code,
        0,
        "stopped: no redirect and no relay",
      );
    }
    {
      await using session = await startSession(docker);
      const { host, target, cgroup } = session;
      await host.send({ type: "activate", cgroup, maps, layers: ["cgroup-net"] });
      await host.next((m) => m.type === "active");
      await docker.containers.kill(session.manager, "SIGTERM");
      assert.notEqual((await docker.containers.wait(session.manager)).StatusCode, 0);
      assert.notEqual(
        (await exec(target, "relayprobe", "halfclose", "1.2.3.4", "80", "x")).code,
        0,
        "no egress once the manager is gone",
      );
    }
  },
});

Deno.test({
  name:
    "manager --control: an activation without kernel layers (rootless engines) runs the relay only",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    using docker = await DockerClient.connect();
    await using session = await startSession(docker);
    const { host, target } = session;
    const exec = (...args: string[]) => sh("docker", ["exec", ...args]);
    // No cgroup: a rootless engine gives the target none of its own, and nothing uses it.
    await host.send({ type: "activate", mode: "enforce", maps: encodedMaps(POLICY), layers: [] });
    const active = await host.next((m) => m.type === "active" || m.type === "error");
    assert.equal(active.type, "active", JSON.stringify(active));
    assert.deepEqual(active.layers, {});
    /* the explicit proxy reaches the host through the relay */
    const explicit = await exec(
      "-e",
      "http_proxy=http://127.0.0.1:3128",
      target,
      "wget",
      "-q",
      "-O",
      "-",
      "http://example.test/",
    );
    assert.equal(explicit.out, "hello from explicit");
    /* nothing redirects: an outside address is unreachable (only lo), no stream reaches the host */
    const streams = host.streamCount;
    const direct = await exec(target, "relayprobe", "halfclose", "1.2.3.4", "80", "x");
    assert.match(direct.out, /^error connect: Network is unreachable/);
    assert.equal(host.streamCount, streams);
    /* runtime changes have no kernel work to do and succeed */
    await host.send({ type: "mode.set", mode: "record" });
    assert.deepEqual(await host.next((m) => m.type.startsWith("mode.") || m.type === "error"), {
      type: "mode.updated",
      mode: "record",
    });
    await host.send({ type: "policy.update", maps: encodedMaps(POLICY) });
    assert.equal(
      (await host.next((m) => m.type.startsWith("policy.") || m.type === "error")).type,
      "policy.updated",
    );
    /* fail closed: the host goes away, the relay with it */
    host.closeControl();
    assert.notEqual((await docker.containers.wait(session.manager)).StatusCode, 0);
    assert.notEqual(
      (await exec(target, "relayprobe", "halfclose", "127.0.0.1", "3128", "x")).code,
      0,
    );
  },
});
