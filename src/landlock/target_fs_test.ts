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

Deno.test("bindLandlockFs() asks the engine about image paths: symlinks as such, unknown paths as dirs", async () => {
  const fs = bindLandlockFs([], (path) =>
    Promise.resolve(
      path === "/bin"
        ? { kind: "symlink", linkTarget: "usr/bin" }
        : path === "/etc/passwd"
        ? { kind: "file", linkTarget: "" }
        : undefined,
    ));
  assert.equal(await fs.stat("/bin"), "symlink");
  assert.equal(await fs.readLink?.("/bin"), "usr/bin");
  assert.equal(await fs.stat("/etc/passwd"), "file");
  // /dev/null exists only once the runtime mounted /dev: leash-entry skips a missing path.
  assert.equal(await fs.stat("/dev/null"), "dir");
  assert.equal(await fs.readDir("/etc"), undefined);
});
