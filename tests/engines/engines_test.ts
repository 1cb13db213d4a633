/**
 * The engines tier (issue 12 parts 2 and 3): `leash doctor` and `leash run` against rootful
 * Podman, rootless Docker and rootless Podman, each on its own socket (the shared system
 * dockerd is never used). Judged by what a user and the outside observe: the command's output
 * and exit status, the interfaces the target sees, a witness on a host address that must get
 * no connection, and an upstream on the host that must receive the request sent through the
 * relay (the target's only way out, reached through the shared network namespace).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DockerClient } from "../../src/docker/mod.ts";
import { DEFAULT_POLICY } from "../../src/policy/mod.ts";
import { withWorkspace } from "../../src/session/workspace_policy.ts";
import { client, type Engine, engines, image, leash, place, sessionOf } from "./_engines.ts";

const KERNEL_LAYERS = ["kernel-lsm", "cgroup-net", "observe"];

/** A TCP listener on an address of this host that counts who connects (nobody may). */
function witness(): { ip: string; port: number; connections: () => number; close(): void } {
  const ip = Deno.networkInterfaces().find((i) => i.family === "IPv4" && !/^127\./.test(i.address))
    ?.address;
  assert.ok(ip, "this host has a non-loopback IPv4 address for the witness");
  const listener = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  let count = 0;
  (async () => {
    for await (const conn of listener) {
      count++;
      conn.close();
    }
  })().catch(() => {});
  return {
    ip,
    port: (listener.addr as Deno.NetAddr).port,
    connections: () => count,
    close: () => listener.close(),
  };
}

/** An HTTP upstream on the host's loopback that records the paths it was asked for. */
function upstream(): { port: number; paths: string[]; close(): Promise<void> } {
  const paths: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => {
      paths.push(new URL(request.url).pathname);
      return new Response("upstream says hi\n");
    },
  );
  return { port: server.addr.port, paths, close: () => server.shutdown() };
}

/** The posture line of `layer` in the session banner. */
function postureLine(stderr: string, layer: string): string {
  const line = stderr.split("\n").find((l) => new RegExp(`^  ${layer} +`).test(l));
  assert.ok(line, `the session banner has a line for ${layer}:\n${stderr}`);
  return line;
}

function section(stdout: string, name: string): string {
  const match = new RegExp(`<<${name}\\n([\\s\\S]*?)${name}>>`).exec(stdout);
  assert.ok(match, `the command printed section ${name}:\n${stdout}`);
  return match[1] ?? "";
}

async function doctorTest(engine: Engine): Promise<void> {
  await using where = await place(engine);
  const result = await leash(engine, where, ["doctor", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  const facts = report.facts.docker;
  assert.equal(facts.reachable, true);
  assert.equal(facts.socket, engine.socket);
  assert.equal(facts.engine.kind, engine.kind);
  assert.equal(facts.engine.transport, `unix socket ${engine.socket}`);
  assert.equal(facts.engine.rootless, engine.rootless);
  assert.equal(facts.engine.architecture, facts.engine.helperArchitecture);
  assert.equal(report.layers.netns.status, "active");
  assert.equal(report.layers.proxy.status, "active");
  for (const name of KERNEL_LAYERS) {
    const layer = report.layers[name];
    if (engine.rootless) {
      assert.equal(layer.status, "off", name);
      assert.match(layer.reason, /^the engine is rootless (Docker|Podman) \(/, name);
      assert.match(layer.fix, /rootful engine/, name);
    } else {
      assert.doesNotMatch(layer.reason, /rootless/, name);
    }
  }
  const human = await leash(engine, where, ["doctor"]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`^  engine +${engine.kind}: `, "m"));
  assert.match(human.stdout, new RegExp(`^  transport +unix socket ${engine.socket}$`, "m"));
}

async function runTest(engine: Engine): Promise<void> {
  const tag = await image(engine);
  await using where = await place(engine);
  const w = witness();
  const up = upstream();
  try {
    const policy = join(where.workspace, "engines.cedar");
    await Deno.writeTextFile(
      policy,
      withWorkspace(DEFAULT_POLICY, where.workspace) +
        `\n@id("engines-upstream")\npermit (principal, action == Action::"NetworkConnect", resource in Host::"upstream.test");\n`,
    );
    if (engine.user) await Deno.chmod(policy, 0o644);
    const request = (host: string, path: string) =>
      `printf 'GET http://${host}${path} HTTP/1.1\\r\\nHost: ${host}\\r\\nConnection: close\\r\\n\\r\\n' | timeout 10 nc 127.0.0.1 3128`;
    const script = [
      `echo '<<links'; ip -o link | cut -d: -f2 | tr -d ' '; echo 'links>>'`,
      `timeout 10 nc -w 3 ${w.ip} ${w.port} </dev/null; echo "direct=$?"`,
      `echo '<<allowed'; ${
        request(`upstream.test:${up.port}`, "/through-relay")
      }; echo 'allowed>>'`,
      `echo '<<denied'; ${request("denied.example", "/")}; echo 'denied>>'`,
      "exit 7",
    ].join("\n");
    const result = await leash(
      engine,
      where,
      ["run", "--listen", "", "--policy", policy, "--image", tag, "--", "sh", "-c", script],
      { LEASH_UPSTREAM_HOSTS: "upstream.test=127.0.0.1" },
    );
    const explain = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    assert.equal(result.code, 7, explain);
    // The network is closed: the target has only lo and reaches no host address directly.
    assert.deepEqual(section(result.stdout, "links").trim().split("\n"), ["lo"], explain);
    assert.equal(w.connections(), 0, `the witness on ${w.ip}:${w.port} got a connection`);
    // The relay is reached through the shared netns and leads to the host proxy only.
    assert.match(section(result.stdout, "allowed"), /^HTTP\/1\.1 200 /, explain);
    assert.match(section(result.stdout, "allowed"), /upstream says hi/, explain);
    assert.deepEqual(up.paths, ["/through-relay"]);
    assert.match(section(result.stdout, "denied"), /^HTTP\/1\.1 403 /, explain);
    // The posture says which layers are off and why.
    // A rootful engine gives what the host allows: the session's eBPF layers are on exactly
    // where `leash doctor` (its probe runs in a manager container on the same engine) says so.
    const doctor = engine.rootless
      ? undefined
      : JSON.parse((await leash(engine, where, ["doctor", "--json"])).stdout);
    for (const name of KERNEL_LAYERS) {
      const line = postureLine(result.stderr, name);
      if (engine.rootless) {
        assert.match(line, / off +the engine is rootless (Docker|Podman) \(/, explain);
      } else if (name !== "observe" || doctor.layers["kernel-lsm"].status !== "active") {
        // With kernel-lsm attached the manager loads no observers (kern_load.c).
        const status = doctor.layers[name].status === "active" ? "active" : "off";
        assert.match(line, new RegExp(` ${status} +`), `${name}: ${explain}`);
      }
    }
    assert.match(postureLine(result.stderr, "netns"), / active +/);
    assert.match(postureLine(result.stderr, "proxy"), / active +/);
    assert.match(postureLine(result.stderr, "landlock"), / (active|degraded) +/);
    // Nothing of the session is left in the engine, and the system dockerd never saw it.
    const session = sessionOf(result.stderr);
    assert.ok(session, explain);
    const filters = { label: [`leash.session=${session}`] };
    using docker = await client(engine);
    assert.deepEqual(await docker.containers.list({ all: true, filters }), []);
    const system = await DockerClient.connect({ host: "unix:///var/run/docker.sock" })
      .catch(() => undefined);
    if (system) {
      using _ = system;
      assert.deepEqual(await system.containers.list({ all: true, filters }), []);
    }
  } finally {
    w.close();
    await up.close();
  }
}

async function requireTest(engine: Engine): Promise<void> {
  const tag = await image(engine);
  await using where = await place(engine);
  const marker = join(where.workspace, "command-ran");
  const result = await leash(engine, where, [
    "run",
    "--listen",
    "",
    "--require",
    "cgroup-net",
    "--image",
    tag,
    "--",
    "sh",
    "-c",
    `touch '${marker}'`,
  ]);
  assert.notEqual(result.code, 0, result.stderr);
  assert.match(result.stderr, /cgroup-net/);
  assert.match(result.stderr, /the engine is rootless (Docker|Podman) \(/);
  // The command never started: the file it would have created is not there.
  await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
}

for (const { engine, label } of engines()) {
  Deno.test({
    name: `leash doctor on ${label} reports the engine's kind, transport and the layers it allows`,
    ignore: engine === undefined,
    fn: () => doctorTest(engine!),
  });
  Deno.test({
    name:
      `leash run on ${label} runs the command with the network closed and the relay reached through the shared netns`,
    ignore: engine === undefined,
    fn: () => runTest(engine!),
  });
  if (label.startsWith("rootless")) {
    Deno.test({
      name: `leash run --require cgroup-net on ${label} refuses to start the command`,
      ignore: engine === undefined,
      fn: () => requireTest(engine!),
    });
  }
}
