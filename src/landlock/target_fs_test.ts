import assert from "node:assert/strict";
import { join } from "node:path";
import { bindLandlockFs, parseBinds, rootLandlockFs } from "./target_fs.ts";

Deno.test("bindLandlockFs() reads bind-mounted paths on the host and nothing else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "sub"));
    await Deno.writeTextFile(join(dir, "sub", "f"), "x");
    const fs = bindLandlockFs(parseBinds([`${dir}:/work:ro`]));
    assert.deepEqual(await fs.readDir("/work/sub"), ["f"]);
    assert.equal(await fs.stat("/work/sub/f"), "file");
    assert.equal(await fs.stat("/work/missing"), "missing");
    assert.equal(await fs.readDir("/etc"), undefined);
    assert.equal(await fs.stat("/etc"), "dir");
    assert.equal(await fs.readDir("/workspace"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rootLandlockFs() sees paths below its root and does not follow symlinks", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "etc"));
    await Deno.symlink("/etc", join(dir, "link"));
    const fs = rootLandlockFs(dir);
    assert.deepEqual((await fs.readDir("/"))!.sort(), ["etc", "link"]);
    assert.equal(await fs.stat("/etc"), "dir");
    assert.equal(await fs.stat("/link"), "symlink");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
