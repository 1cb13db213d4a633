import assert from "node:assert/strict";
import { treeSha256 } from "./tree_hash.ts";

Deno.test("treeSha256() changes with a file's bytes or name and not with the order made", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${a}/sub`);
    await Deno.writeTextFile(`${a}/sub/x`, "one");
    await Deno.writeTextFile(`${a}/y`, "two");
    await Deno.writeTextFile(`${b}/y`, "two");
    await Deno.mkdir(`${b}/sub`);
    await Deno.writeTextFile(`${b}/sub/x`, "one");
    const first = await treeSha256(a);
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(await treeSha256(b), first);
    await Deno.writeTextFile(`${b}/sub/x`, "One");
    assert.notEqual(await treeSha256(b), first);
    await Deno.writeTextFile(`${b}/sub/x`, "one");
    await Deno.rename(`${b}/y`, `${b}/z`);
    assert.notEqual(await treeSha256(b), first);
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});
