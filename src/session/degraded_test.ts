import assert from "node:assert/strict";
import { degradedRefused, refuseUnwantedPosture, unenforcedFileExec } from "./degraded.ts";
import type { SessionLayer } from "./posture.ts";

const layer = (name: SessionLayer["name"], status: SessionLayer["status"]): SessionLayer => ({
  name,
  status,
  reason: `${name} is ${status}`,
});

const NET = [layer("cgroup-net", "active"), layer("netns", "active"), layer("proxy", "active")];

Deno.test("unenforcedFileExec() names kernel-lsm and landlock when both are off in enforce mode", () => {
  const off = unenforcedFileExec(
    [layer("kernel-lsm", "off"), layer("landlock", "off"), ...NET],
    "enforce",
  );
  assert.deepEqual(off.map((l) => l.name), ["kernel-lsm", "landlock"]);
  const error = degradedRefused(off);
  assert.match(error.message, /kernel-lsm: kernel-lsm is off; landlock: landlock is off/);
  assert.match(error.message, /--allow-degraded/);
  assert.equal(error.phase, "activation");
});

Deno.test("unenforcedFileExec() is empty when either layer enforces, degraded Landlock too", () => {
  for (
    const [lsm, landlock] of [["active", "off"], ["off", "active"], ["off", "degraded"]] as const
  ) {
    assert.deepEqual(
      unenforcedFileExec(
        [layer("kernel-lsm", lsm), layer("landlock", landlock), ...NET],
        "enforce",
      ),
      [],
    );
  }
});

Deno.test("unenforcedFileExec() is empty in record and shadow mode, which enforce nothing by request", () => {
  const layers = [layer("kernel-lsm", "off"), layer("landlock", "off"), ...NET];
  assert.deepEqual(unenforcedFileExec(layers, "record"), []);
  assert.deepEqual(unenforcedFileExec(layers, "shadow"), []);
});

Deno.test("refuseUnwantedPosture() refuses a missing --require layer first, then a degraded session unless allowed", () => {
  const off = [layer("kernel-lsm", "off"), layer("landlock", "off"), ...NET];
  assert.throws(
    () => refuseUnwantedPosture(off, { require: ["kernel-lsm"], mode: "enforce" }),
    /kernel-lsm/,
  );
  assert.throws(
    () => refuseUnwantedPosture(off, { require: [], mode: "enforce" }),
    /--allow-degraded/,
  );
  refuseUnwantedPosture(off, { require: [], mode: "enforce", allowDegraded: true });
  refuseUnwantedPosture(off, { require: [], mode: "record" });
  refuseUnwantedPosture([layer("kernel-lsm", "off"), layer("landlock", "active"), ...NET], {
    require: ["landlock"],
    mode: "enforce",
  });
});
