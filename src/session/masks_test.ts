import assert from "node:assert/strict";
import { readOnlyMasks, trustedFileMasks } from "./masks.ts";

Deno.test("readOnlyMasks() masks the policy in the workspace at the same path, read-only", () => {
  assert.deepEqual(
    readOnlyMasks(["/home/u/proj/leash.cedar"], ["/home/u/proj:/home/u/proj"]),
    ["/home/u/proj/leash.cedar:/home/u/proj/leash.cedar:ro"],
  );
});

Deno.test("readOnlyMasks() follows a -v mount to its target and skips read-only mounts", () => {
  assert.deepEqual(
    readOnlyMasks(
      ["/home/u/.local/share/leash/trusted-policies", "/etc/p.cedar"],
      ["/home/u/proj:/home/u/proj", "/home/u:/h", "/etc:/host-etc:ro"],
    ),
    ["/home/u/.local/share/leash/trusted-policies:/h/.local/share/leash/trusted-policies:ro"],
  );
});

Deno.test("readOnlyMasks() leaves files no mount shows alone, and never matches a name prefix", () => {
  assert.deepEqual(readOnlyMasks(["/home/u/project2/leash.cedar"], ["/home/u/project:/w"]), []);
});

Deno.test("trustedFileMasks() creates the trust store and masks leash's data dir in a workspace holding it", async () => {
  const home = await Deno.realPath(await Deno.makeTempDir({ prefix: "leash-home-" }));
  try {
    const data = `${home}/.local/share/leash`;
    const masks = await trustedFileMasks(undefined, { cwd: home, dirs: { data } }, []);
    assert.deepEqual(masks, [`${data}:${data}:ro`]);
    assert.ok((await Deno.stat(`${data}/trusted-policies`)).isDirectory);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
