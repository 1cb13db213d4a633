import assert from "node:assert/strict";
import type { HostFacts } from "./facts.ts";
import { assessLayers, LAYER_NAMES, type LayerName } from "./layers.ts";
import { postureReport, renderPosture } from "./report.ts";

/** Facts as measured on the project's own VMs, before the probe. */
function vmFacts(overrides: Partial<HostFacts> = {}): HostFacts {
  return {
    kernelRelease: "6.18.44",
    docker: {
      reachable: true,
      socket: "/var/run/docker.sock",
      engineVersion: "20.10.24",
      apiVersion: "1.41",
    },
    cgroup: { layout: "v1-hybrid", unifiedPath: "/sys/fs/cgroup/unified" },
    lsm: { list: ["landlock", "lockdown", "yama", "bpf"], source: "kernel-config", note: "" },
    btf: true,
    landlockAbi: 7,
    landlockNote: "ABI 7",
    bpffsMounted: false,
    tracefs: true,
    probe: { ran: false, reason: "leash-helper is not built", fix: "run scripts/build-native" },
    ...overrides,
  };
}

function byName(facts: HostFacts, name: LayerName) {
  const found = assessLayers(facts).find((l) => l.name === name);
  assert.ok(found, `layer ${name} missing`);
  return found;
}

Deno.test("assessLayers() reports every layer of DESIGN.md §2 in order", () => {
  assert.deepEqual(assessLayers(vmFacts()).map((l) => l.name), [...LAYER_NAMES]);
});

Deno.test("assessLayers() never calls kernel-lsm active from the LSM list alone", () => {
  const lsm = byName(vmFacts(), "kernel-lsm");
  assert.equal(lsm.status, "off");
  assert.match(lsm.reason, /^unverified: /);
  assert.equal(lsm.fix, "run scripts/build-native");
});

Deno.test("assessLayers() says kernel-lsm is off when the probe is refused with EPERM", () => {
  const facts = vmFacts({
    probe: { ran: true, results: { lsm: "EPERM", cgroup: "ok", tracepoint: "ok" } },
  });
  const lsm = byName(facts, "kernel-lsm");
  assert.equal(lsm.status, "off");
  assert.match(lsm.reason, /refused by this kernel \(EPERM\) although bpf is in the LSM list/);
  assert.equal(byName(facts, "cgroup-net").status, "active");
  assert.equal(byName(facts, "observe").status, "active");
});

Deno.test("assessLayers() says kernel-lsm is active only when the probe attached it", () => {
  const facts = vmFacts({ probe: { ran: true, results: { lsm: "ok" } } });
  assert.equal(byName(facts, "kernel-lsm").status, "active");
  assert.match(byName(facts, "cgroup-net").reason, /the probe did not test cgroup/);
});

Deno.test("assessLayers() names the boot parameter when bpf is missing from the LSM list", () => {
  const facts = vmFacts({ lsm: { list: ["landlock", "yama"], source: "securityfs", note: "" } });
  const lsm = byName(facts, "kernel-lsm");
  assert.equal(lsm.status, "off");
  assert.match(lsm.fix, /lsm=landlock,yama,bpf/);
});

Deno.test("assessLayers() turns cgroup-net off on a v1-only host", () => {
  const facts = vmFacts({ cgroup: { layout: "v1-only", unifiedPath: null } });
  const net = byName(facts, "cgroup-net");
  assert.equal(net.status, "off");
  assert.match(net.reason, /v1-only/);
});

Deno.test("assessLayers() turns observe off without BTF (the observers are BTF tracepoints)", () => {
  const facts = vmFacts({ btf: false, probe: { ran: true, results: { tracepoint: "ok" } } });
  const observe = byName(facts, "observe");
  assert.equal(observe.status, "off");
  assert.match(observe.fix, /CONFIG_DEBUG_INFO_BTF/);
});

Deno.test("assessLayers() grades Landlock by ABI", () => {
  assert.equal(byName(vmFacts({ landlockAbi: 7 }), "landlock").status, "active");
  assert.equal(byName(vmFacts({ landlockAbi: 1 }), "landlock").status, "degraded");
  assert.equal(
    byName(vmFacts({ landlockAbi: 0, landlockNote: "disabled" }), "landlock").status,
    "off",
  );
  assert.equal(
    byName(vmFacts({ landlockAbi: null, landlockNote: "no ffi" }), "landlock").status,
    "off",
  );
});

Deno.test("assessLayers() turns netns off with the socket and a fix when Docker is unreachable", () => {
  const facts = vmFacts({ docker: { reachable: false, socket: "/x.sock", error: "no such file" } });
  const netns = byName(facts, "netns");
  assert.equal(netns.status, "off");
  assert.match(netns.reason, /"\/x\.sock": no such file/);
  assert.match(netns.fix, /DOCKER_HOST/);
});

Deno.test("renderPosture() prints one row per layer, the fixes and the facts", () => {
  const text = renderPosture(postureReport(vmFacts(), "0.1.0"), (_, t) => t);
  for (const name of LAYER_NAMES) {
    assert.match(text, new RegExp(`^${name} +(active|degraded|off) `, "m"));
  }
  assert.match(text, /fix: run scripts\/build-native/);
  assert.match(text, /^ {2}cgroup +v1-hybrid \(v2 hierarchy at \/sys\/fs\/cgroup\/unified\)$/m);
});

Deno.test("assessLayers() turns the eBPF layers off on a rootless engine and says why", () => {
  const facts = vmFacts({
    docker: {
      reachable: true,
      socket: "/run/user/1000/docker.sock",
      engineVersion: "20.10.24",
      apiVersion: "1.41",
      engine: {
        kind: "rootless",
        product: "Docker 20.10.24",
        transport: "unix socket /run/user/1000/docker.sock",
        rootless: true,
        architecture: "x86_64",
        helperArchitecture: "x86_64",
      },
    },
    // The probe ran and cgroup programs loaded: the engine still cannot give them to sessions.
    probe: { ran: true, results: { lsm: "ok", cgroup: "ok", tracepoint: "ok" } },
  });
  for (const name of ["kernel-lsm", "cgroup-net", "observe"] as const) {
    const layer = byName(facts, name);
    assert.equal(layer.status, "off", name);
    assert.match(layer.reason, /^the engine is rootless Docker \(Docker 20\.10\.24\): /);
    assert.match(layer.fix, /rootful engine/);
  }
  assert.equal(byName(facts, "netns").status, "active");
  assert.equal(byName(facts, "landlock").status, "active");
  assert.match(
    renderPosture(postureReport(facts, "0"), (_, t) => t),
    /engine {6}rootless: Docker 20\.10\.24/,
  );
});
