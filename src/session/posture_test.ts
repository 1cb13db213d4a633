import assert from "node:assert/strict";
import {
  DISABLED_REASON,
  missingRequired,
  parseDisabledLayers,
  parseRequired,
  sessionPosture,
} from "./posture.ts";

Deno.test("sessionPosture() reports the manager's refusals and Landlock as the file layer", () => {
  const layers = sessionPosture({
    attached: { "kernel-lsm": "EPERM: load", "cgroup-net": "ok", observe: "ok" },
    landlock: true,
    landlockReason: "",
    landlockWarnings: 0,
    mode: "enforce",
  });
  const by = Object.fromEntries(layers.map((l) => [l.name, l]));
  assert.equal(by["kernel-lsm"]!.status, "off");
  assert.equal(by["kernel-lsm"]!.reason, "EPERM: load");
  assert.equal(by["cgroup-net"]!.status, "active");
  assert.equal(by.landlock!.status, "active");
  assert.deepEqual(missingRequired(layers, ["kernel-lsm", "landlock"]).map((l) => l.name), [
    "kernel-lsm",
  ]);
});

Deno.test("parseRequired() splits commas and refuses unknown layers", () => {
  assert.deepEqual(parseRequired(["kernel-lsm,landlock", "proxy"]), [
    "kernel-lsm",
    "landlock",
    "proxy",
  ]);
  assert.throws(() => parseRequired(["kernel"]), RangeError);
});

Deno.test("sessionPosture() reports a layer of LEASH_DISABLE_LAYERS as off with that reason, and --require still misses it", () => {
  const layers = sessionPosture({
    attached: { "kernel-lsm": "EPERM: load", observe: "ok" },
    landlock: true,
    landlockReason: "",
    landlockWarnings: 0,
    mode: "enforce",
    disabled: ["cgroup-net"],
  });
  const net = layers.find((l) => l.name === "cgroup-net")!;
  assert.deepEqual([net.status, net.reason], ["off", DISABLED_REASON]);
  assert.equal(layers.find((l) => l.name === "observe")!.status, "active");
  assert.deepEqual(missingRequired(layers, ["cgroup-net"]).map((l) => l.reason), [
    DISABLED_REASON,
  ]);
});

Deno.test("parseDisabledLayers() takes the manager's layers, refuses the others and disabling all", () => {
  assert.deepEqual(parseDisabledLayers(""), []);
  assert.deepEqual(parseDisabledLayers(" cgroup-net, kernel-lsm ,cgroup-net"), [
    "cgroup-net",
    "kernel-lsm",
  ]);
  assert.throws(
    () => parseDisabledLayers("proxy"),
    /Invalid LEASH_DISABLE_LAYERS "proxy": layer "proxy" cannot be disabled; it may name kernel-lsm, cgroup-net, observe/,
  );
  assert.throws(() => parseDisabledLayers("netns"), /"netns" cannot be disabled/);
  assert.deepEqual(parseDisabledLayers("landlock"), ["landlock"]);
  assert.throws(() => parseDisabledLayers("cgroupnet"), /unknown layer "cgroupnet"/);
  assert.throws(
    () => parseDisabledLayers("kernel-lsm,cgroup-net,observe"),
    /keep at least one of kernel-lsm, cgroup-net, observe/,
  );
});
