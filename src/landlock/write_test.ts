import assert from "node:assert/strict";
import { parseLandlockRules } from "./rules_file.ts";
import { writeEnforcementActive } from "../boot/mod.ts";
import { writeLandlockRules } from "./write.ts";

Deno.test("writeEnforcementActive() and writeLandlockRules() leave only the marker files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeLandlockRules(dir, { handle: ["read"], rules: [{ path: "/", access: ["read"] }] });
    await writeEnforcementActive(dir, "n-1", ["landlock"], { now: new Date(0) });
    const names = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
    assert.deepEqual(names, ["enforcement.active", "landlock.rules"]);
    const active = JSON.parse(await Deno.readTextFile(`${dir}/enforcement.active`));
    assert.deepEqual(active, {
      protocol: 1,
      nonce: "n-1",
      layers: ["landlock"],
      timestamp: "1970-01-01T00:00:00.000Z",
    });
    const rules = parseLandlockRules(await Deno.readTextFile(`${dir}/landlock.rules`));
    assert.deepEqual(rules.rules, [{ path: "/", access: ["read"] }]);
    assert.equal((await Deno.stat(`${dir}/enforcement.active`)).mode! & 0o777, 0o644);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
