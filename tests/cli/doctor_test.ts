import assert from "node:assert/strict";
import { runLeash } from "./_run_cli.ts";

const LAYERS = ["kernel-lsm", "cgroup-net", "landlock", "netns", "proxy", "observe"];

Deno.test("leash doctor --json reports every layer with status, reason and fix", async () => {
  const result = await runLeash(["doctor", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(report.schema, 1);
  assert.deepEqual(Object.keys(report.layers), LAYERS);
  for (const name of LAYERS) {
    const layer = report.layers[name];
    assert.ok(["active", "degraded", "off"].includes(layer.status), `${name}: ${layer.status}`);
    assert.equal(typeof layer.reason, "string");
    assert.ok(layer.reason.length > 0, `${name} has a reason`);
    assert.equal(typeof layer.fix, "string");
  }
  for (
    const key of ["kernelRelease", "docker", "cgroup", "lsm", "btf", "landlockAbi", "bpffsMounted"]
  ) {
    assert.ok(key in report.facts, `fact ${key}`);
  }
  assert.ok(["v2", "v1-hybrid", "v1-only", "none"].includes(report.facts.cgroup.layout));
});

Deno.test("leash doctor calls kernel-lsm active only when BPF LSM programs really attached", async () => {
  const report = JSON.parse((await runLeash(["doctor", "--json"])).stdout);
  const lsm = report.layers["kernel-lsm"];
  const attached = report.facts.probe.ran && report.facts.probe.results.lsm === "ok";
  assert.equal(lsm.status === "active", attached, `kernel-lsm ${lsm.status}: ${lsm.reason}`);
  if (!attached) assert.match(lsm.reason, /unverified|refused|not enabled|BTF/);
});

Deno.test("leash doctor reports Docker off with the socket when DOCKER_HOST points nowhere", async () => {
  const result = await runLeash(["doctor", "--json"], {
    env: { DOCKER_HOST: "unix:///nonexistent/leash-test.sock" },
  });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(report.facts.docker.reachable, false);
  assert.equal(report.facts.docker.socket, "/nonexistent/leash-test.sock");
  assert.equal(report.layers.netns.status, "off");
  assert.match(report.layers.netns.reason, /"\/nonexistent\/leash-test\.sock"/);
});

Deno.test("leash doctor reports an unsupported DOCKER_HOST scheme instead of crashing", async () => {
  const result = await runLeash(["doctor"], { env: { DOCKER_HOST: "npipe:////./pipe/docker" } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^netns +off +Docker is not reachable .*is not supported: use unix:\/\/\/path\/to\/docker\.sock, tcp:\/\/HOST:2376/m,
  );
});

Deno.test("leash doctor refuses plain tcp:// without LEASH_DOCKER_INSECURE, with the fix", async () => {
  const result = await runLeash(["doctor"], { env: { DOCKER_HOST: "tcp://127.0.0.1:2375" } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^netns +off +Docker is not reachable at "tcp:\/\/127\.0\.0\.1:2375": Cannot use DOCKER_HOST "tcp:\/\/127\.0\.0\.1:2375" without TLS verification: .*LEASH_DOCKER_INSECURE=1 to accept plain tcp$/m,
  );
});

Deno.test("leash doctor prints a table with one row per layer", async () => {
  const result = await runLeash(["doctor"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^LAYER +STATUS +REASON$/m);
  for (const name of LAYERS) {
    assert.match(result.stdout, new RegExp(`^${name} +(active|degraded|off) +\\S`, "m"));
  }
  assert.ok(!result.stdout.includes("\x1b["), "NO_COLOR is honoured");
});
