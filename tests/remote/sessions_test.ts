/**
 * Real `leash run` sessions on the remote engine (a dockerd in a container, its own data root)
 * over tcp+TLS and over ssh: the archive session transport stages leash's files through the
 * Engine API, reads the markers back the same way and relays through the bridge container to
 * leash's authenticated listener on this machine. Judged by what the command printed, the
 * host's files, what a host upstream received, the engines' own events (the session's
 * containers were created on the remote engine and none on the host's) and what is left on the
 * remote engine afterwards. Then the relay listener under attack from a container the test
 * starts on the remote engine, `leash clean` after leash was killed, and the relay addresses
 * that cannot work (refused at once, naming the address and LEASH_RELAY_ADDRESS).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { collectOutput, DockerClient, type DockerEvent } from "../../src/docker/mod.ts";
import { DEFAULT_POLICY } from "../../src/policy/mod.ts";
import { withWorkspace } from "../../src/session/workspace_policy.ts";
import { TEST_NET_RULES } from "../e2e/_debian.ts";
import { section } from "../e2e/_session.ts";
import { startUpstream } from "../integration/_proxy_harness.ts";
import type { RemoteEngine } from "./_engine.ts";
import {
  clientFor,
  leash,
  leashCommand,
  MISSING,
  remoteEngine,
  stopRemoteEngine,
} from "./_shared.ts";

const WAYS = ["tcp+tls", "ssh"] as const;
type Way = typeof WAYS[number];
const options = { ignore: MISSING !== undefined, sanitizeResources: false, sanitizeOps: false };

/** leash's environment for `way`, with the relay on the address the engine's containers reach. */
function envFor(engine: RemoteEngine, way: Way): Record<string, string> {
  assert.match(engine.hostAddress, /^\d+\.\d+\.\d+\.\d+$/, "the outer container has a gateway");
  return {
    ...(way === "ssh" ? engine.sshEnv : engine.tlsEnv),
    LEASH_RELAY_ADDRESS: engine.hostAddress,
  };
}

/** A workspace with a seed file and, beside it, the policy: the default plus `*.test` rules. */
async function world(): Promise<
  { root: string; workspace: string; policy: string } & AsyncDisposable
> {
  const root = await Deno.makeTempDir({ dir: "/tmp", prefix: "lrem-" });
  const workspace = join(root, "work space");
  await Deno.mkdir(workspace);
  await Deno.writeTextFile(join(workspace, "seed.txt"), "seed-from-host\n");
  const policy = join(root, "policy.cedar");
  await Deno.writeTextFile(policy, withWorkspace(DEFAULT_POLICY, workspace) + TEST_NET_RULES);
  return {
    root,
    workspace,
    policy,
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }).catch(() => {}),
  };
}

/** Containers and volumes labelled with `session` on an engine. */
async function leftovers(docker: DockerClient, session: string): Promise<string[]> {
  const label = `leash.session=${session}`;
  const containers = await docker.containers.list({ all: true, filters: { label: [label] } });
  const volumes = await docker.volumes.list([label]);
  return [
    ...containers.map((c) => `container ${c.Names[0] ?? c.Id}`),
    ...volumes.map((v) => `volume ${v.Name}`),
  ];
}

/** Collects the container events of sessions (label `leash.session`) until `stop()`. */
async function watchSessions(docker: DockerClient) {
  const abort = new AbortController();
  const seen: DockerEvent[] = [];
  const stream = await docker.events({
    filters: { type: ["container"], label: ["leash.session"] },
    signal: abort.signal,
  });
  const done = (async () => {
    try {
      for await (const event of stream) seen.push(event);
    } catch { /* aborted */ }
  })();
  return {
    seen,
    async stop() {
      // Events are delivered as they happen; one more round trip lets the last ones arrive.
      await docker.version();
      abort.abort();
      await done;
    },
  };
}

/** The session id leash printed. */
function sessionOf(stderr: string): string {
  const id = /leash: session (\S+)/.exec(stderr)?.[1];
  assert.ok(id, `leash printed its session id:\n${stderr}`);
  return id;
}

for (const way of WAYS) {
  Deno.test({
    name:
      `leash run over ${way}: files staged through the API, markers read back, policy enforced, the workspace copied, egress judged by a host upstream; nothing left on the engine`,
    ...options,
    async fn() {
      const engine = await remoteEngine();
      const env = envFor(engine, way);
      await using w = await world();
      using remote = await clientFor(env);
      using local = await DockerClient.connect();
      const remoteEvents = await watchSessions(remote);
      const localEvents = await watchSessions(local);
      const upstream = await startUpstream("plain.test");
      const script = `
echo "<<ca"; head -1 /leash/ca-cert.pem; echo "ca>>"
echo "<<forge"; (echo '{"protocol":1}' > /leash/enforcement.active) 2>&1; echo "status=$?"; echo "forge>>"
echo "<<seed"; pwd; cat seed.txt; echo changed > seed.txt && echo wrote; echo "seed>>"
echo "<<etc"; (echo x > /etc/leash-remote-probe) 2>&1; echo "status=$?"; cat /etc/leash-remote-probe 2>&1; echo "etc>>"
echo "<<allowed"; wget -q -O- "http://plain.test:$1/remote-allowed" 2>&1; echo "status=$?"; echo "allowed>>"
echo "<<forbidden"; wget -q -O- "http://forbidden.test:$1/remote-forbidden" 2>&1; echo "status=$?"; echo "forbidden>>"
`;
      let r;
      try {
        r = await leashCommand(
          [
            "run",
            "--image",
            engine.busybox,
            "--policy",
            w.policy,
            "--listen",
            "",
            "--",
            "sh",
            "-c",
            script,
            "sh",
            String(upstream.port),
          ],
          { ...env, LEASH_UPSTREAM_HOSTS: "plain.test=127.0.0.1,forbidden.test=127.0.0.1" },
          w.workspace,
          w.root,
        ).output();
      } finally {
        await upstream.close();
        await remoteEvents.stop();
        await localEvents.stop();
      }
      const stdout = new TextDecoder().decode(r.stdout);
      const stderr = new TextDecoder().decode(r.stderr);
      assert.equal(r.code, 0, stderr);
      const session = sessionOf(stderr);
      assert.match(stderr, /session transport: archive/);
      // The session's containers were made on the remote engine, none on this host's.
      const created = remoteEvents.seen.filter((e) =>
        e.Action === "create" && e.Actor.Attributes["leash.session"] === session
      ).map((e) => e.Actor.Attributes["leash.role"] ?? e.Actor.Attributes["name"]);
      for (const role of ["stage", "bridge", "target", "manager"]) {
        assert.ok(created.includes(role), `${role} created remotely: ${JSON.stringify(created)}`);
      }
      assert.deepEqual(
        localEvents.seen.filter((e) => e.Actor.Attributes["leash.session"] === session),
        [],
      );
      // The CA reached the read-only /leash; even root in the target cannot write it.
      assert.equal(section(stdout, "ca").trim(), "-----BEGIN CERTIFICATE-----");
      assert.match(section(stdout, "forge"), /Read-only file system[\s\S]*status=[1-9]/);
      // The workspace is a copy at the same path: the host's file is unchanged.
      assert.equal(section(stdout, "seed"), `${w.workspace}\nseed-from-host\nwrote`);
      assert.equal(await Deno.readTextFile(join(w.workspace, "seed.txt")), "seed-from-host\n");
      // The policy's deny holds: /etc is not writable, the file does not exist afterwards.
      const etc = section(stdout, "etc");
      assert.match(etc, /status=[1-9]/);
      assert.match(etc, /No such file or directory/);
      // Egress: target → manager → bridge → listener on this machine → proxy → upstream.
      assert.match(section(stdout, "allowed"), /status=0/);
      assert.match(section(stdout, "forbidden"), /403[\s\S]*status=[1-9]/);
      const paths = upstream.seen.map((s) => s.path);
      assert.ok(paths.includes("/remote-allowed"), JSON.stringify(paths));
      assert.ok(!paths.includes("/remote-forbidden"), JSON.stringify(paths));
      const events = (await Deno.readTextFile(
        join(w.root, "state", "leash", "sessions", session, "logs", "events.ndjson"),
      )).split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
      assert.ok(events.some((e) => e.event === "boot.bootstrap"), "bootstrap.ready was read");
      assert.ok(!events.some((e) => e.event === "session.relay_refused"), "all authenticated");
      // Teardown: nothing of the session is left on the remote engine.
      assert.deepEqual(await leftovers(remote, session), []);
    },
  });
}

/**
 * Runs `script` with busybox's nc in a container the test starts on the remote engine, on its
 * default bridge network (where leash's bridge is): what it printed.
 */
async function attacker(remote: DockerClient, image: string, script: string): Promise<string> {
  const { Id: id } = await remote.containers.create({
    Image: image,
    Cmd: ["sh", "-c", script],
    Labels: { "leash.test": "remote-attacker" },
    HostConfig: { NetworkMode: "bridge" },
  });
  try {
    await remote.containers.start(id);
    await remote.containers.wait(id);
    const out = await collectOutput(await remote.containers.logs(id, { stdout: true }));
    return out.stdout;
  } finally {
    await remote.containers.remove(id, { force: true });
  }
}

Deno.test({
  name:
    "relay listener over tcp+tls: a container on the remote engine without the secret or with a wrong MAC reaches the listener and nothing of it reaches the upstream; leash clean after a killed leash leaves nothing on the engine",
  ...options,
  async fn() {
    const engine = await remoteEngine();
    const env = envFor(engine, "tcp+tls");
    await using w = await world();
    using remote = await clientFor(env);
    const upstream = await startUpstream("plain.test");
    // The session's own request (the positive control) first, then it waits for the test.
    const child = leashCommand(
      [
        "run",
        "--image",
        engine.busybox,
        "--policy",
        w.policy,
        "--listen",
        "",
        "--",
        "sh",
        "-c",
        `wget -q -O- "http://plain.test:${upstream.port}/control-session"; echo got; sleep 600`,
      ],
      { ...env, LEASH_UPSTREAM_HOSTS: "plain.test=127.0.0.1" },
      w.workspace,
      w.root,
    ).spawn();
    const stdout = new Response(child.stdout).text();
    const stderr = new Response(child.stderr).text();
    let exited = false;
    child.status.then(() => exited = true);
    let session = "";
    try {
      while (!upstream.seen.some((s) => s.path === "/control-session")) {
        if (exited) assert.fail(`the session ended early: ${await stdout}\n${await stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(upstream.seen.some((s) => s.path === "/control-session"));
      const [bridge] = await remote.containers.list({ filters: { label: ["leash.role=bridge"] } });
      assert.ok(bridge, "the session's bridge runs on the remote engine");
      session = bridge.Labels?.["leash.session"] ?? "";
      const args = (await remote.containers.inspect(bridge.Id)).Config.Entrypoint ?? [];
      const target = args[args.indexOf("--connect") + 1] ?? "";
      const [host = "", port = ""] = target.split(/:(?=\d+$)/);
      assert.equal(host, engine.hostAddress);
      const request = (path: string) =>
        `{"v":1,"kind":"explicit"}\\nGET http://plain.test:${upstream.port}${path} HTTP/1.1\\r\\nHost: plain.test:${upstream.port}\\r\\nConnection: close\\r\\n\\r\\n`;
      const attack = (first: string) =>
        `(printf '${first}'; sleep 3) | timeout 20 nc ${host} ${port}; echo "<<end"`;
      // No answer at all: the request where the answer belongs.
      const none = await attacker(remote, engine.busybox, attack(request("/attack-none")));
      // A made-up MAC, then the request.
      const wrong = await attacker(
        remote,
        engine.busybox,
        attack(`proxy ${"0".repeat(64)}\\n${request("/attack-wrong")}`),
      );
      for (const [name, text] of [["none", none], ["wrong", wrong]]) {
        // Nothing after the challenge (which nc may not print: the listener's close can reset
        // the connection first; the refusal events below show each reached the listener).
        assert.match(text!, /^(leash-relay 1 [0-9a-f]{64}\n)?<<end\n$/, `${name}: ${text}`);
      }
      const paths = upstream.seen.map((s) => s.path);
      assert.ok(!paths.some((p) => p.startsWith("/attack-")), JSON.stringify(paths));
    } finally {
      // Killed: no teardown; what it left on the remote engine is leash clean's.
      child.kill("SIGKILL");
      await child.status;
      await stdout;
      await stderr;
      await upstream.close();
    }
    const events = (await Deno.readTextFile(
      join(w.root, "state", "leash", "sessions", session, "logs", "events.ndjson"),
    )).split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
    const urls = events.filter((e) => e.event === "http.request").map((e) => String(e.url));
    assert.ok(urls.some((u) => u.includes("/control-session")), JSON.stringify(urls));
    assert.ok(!urls.some((u) => u.includes("/attack-")), JSON.stringify(urls));
    const refused = events.filter((e) => e.event === "session.relay_refused");
    assert.ok(refused.length >= 2, JSON.stringify(refused));
    // The two attackers, by their reasons: a request line where the answer belongs, a wrong MAC.
    assert.ok(refused.some((e) => /unknown stream kind/.test(e.message)), JSON.stringify(refused));
    assert.ok(refused.some((e) => /wrong MAC for a proxy stream/.test(e.message)));
    assert.notDeepEqual(await leftovers(remote, session), [], "a killed leash left its session");
    const clean = await leashCommand(["clean"], env, w.workspace, w.root).output();
    assert.equal(clean.code, 0, new TextDecoder().decode(clean.stderr));
    assert.deepEqual(await leftovers(remote, session), []);
  },
});

Deno.test({
  name:
    "relay address over tcp+tls: leash's default (loopback, the port is published there) and an address the engine's containers cannot reach are refused at once, naming it and LEASH_RELAY_ADDRESS; nothing left",
  ...options,
  async fn() {
    const engine = await remoteEngine();
    using remote = await clientFor(engine.tlsEnv);
    const before = await remote.containers.list({ all: true });
    const run = ["run", "--image", engine.busybox, "--listen", "", "--", "true"];
    const byDefault = await leash(run, engine.tlsEnv);
    assert.equal(byDefault.code, 1, byDefault.stderr);
    assert.match(
      byDefault.stderr,
      /error: Cannot choose where the engine's containers reach leash's relay: leash reaches the engine over loopback \(127\.0\.0\.1: a forwarded or published port\), which they cannot dial; set LEASH_RELAY_ADDRESS to an address of this machine the engine's containers reach/,
    );
    // 127.0.0.1 is an address leash can listen on, but from the engine's containers it is their own.
    const unreachable = await leash(run, { ...engine.tlsEnv, LEASH_RELAY_ADDRESS: "127.0.0.1" });
    assert.equal(unreachable.code, 1, unreachable.stderr);
    assert.match(
      unreachable.stderr,
      /error: Cannot reach leash's relay listener "127\.0\.0\.1:\d+" \(from LEASH_RELAY_ADDRESS\) from the engine's containers: leash-bridge: Cannot connect to leash's relay listener 127\.0\.0\.1:\d+: Connection refused; set LEASH_RELAY_ADDRESS to an address of this machine they reach/,
    );
    assert.doesNotMatch(unreachable.stderr, /bootstrap|timed out/i);
    for (const r of [byDefault, unreachable]) {
      assert.deepEqual(await leftovers(remote, sessionOf(r.stderr)), []);
    }
    assert.equal((await remote.containers.list({ all: true })).length, before.length);
  },
});

Deno.test({
  name: "leash doctor over ssh names the archive session transport and the relay address",
  ...options,
  async fn() {
    const engine = await remoteEngine();
    const env = envFor(engine, "ssh");
    const result = await leash(["doctor", "--json"], env);
    assert.equal(result.code, 0, result.stderr);
    const transport = JSON.parse(result.stdout).facts.docker.engine.sessionTransport;
    assert.equal(transport.kind, "archive");
    assert.equal(transport.forced, false);
    assert.match(
      transport.description,
      new RegExp(
        `^archive \\+ bridge relay: .*leash's relay listener on ${
          engine.hostAddress.replaceAll(".", "\\.")
        } \\(LEASH_RELAY_ADDRESS\\); authenticated, not encrypted$`,
      ),
    );
    const human = await leash(["doctor"], env);
    assert.match(human.stdout, /^ {2}session {5}archive \+ bridge relay: /m);
  },
});

Deno.test({
  name: "remote tier: the sessions test engine is removed",
  ...options,
  async fn() {
    await stopRemoteEngine();
  },
});
