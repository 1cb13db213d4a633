import assert from "node:assert/strict";
import { missingRequired, parseRequired, sessionPosture } from "./posture.ts";

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
