import assert from "node:assert/strict";
import { LoosePermissionsError } from "../fs/mod.ts";
import { createSessionDirs } from "./dirs.ts";
import { sessionPaths } from "./paths.ts";

async function mode(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

Deno.test("createSessionDirs() makes private dirs 0700 and the public dir 0755", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const paths = sessionPaths({
      state: `${tmp}/state`,
      data: `${tmp}/data`,
      runtime: `${tmp}/run`,
    }, "s1");
    await createSessionDirs(paths);
    for (const dir of [paths.root, paths.private, paths.sockets, paths.logs]) {
      assert.equal(await mode(dir), 0o700, dir);
    }
    assert.equal(await mode(paths.public), 0o755);
    assert.equal(await mode(paths.publicBin), 0o755);
    assert.equal(await mode(paths.drop), 0o755);
    assert.ok((await Deno.stat(`${paths.public}/drop`)).isDirectory, "mount point of /leash/drop");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("createSessionDirs() refuses a LEASH_PRIVATE_DIR open to others", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${tmp}/shared`, { mode: 0o755 });
    await Deno.chmod(`${tmp}/shared`, 0o755);
    const paths = sessionPaths(
      { state: `${tmp}/state`, data: `${tmp}/data`, runtime: `${tmp}/run` },
      "s1",
      `${tmp}/shared`,
    );
    await assert.rejects(
      createSessionDirs(paths),
      (error: unknown) =>
        error instanceof LoosePermissionsError &&
        /mode 0755 .*LEASH_PRIVATE_DIR/.test(error.message),
    );
    assert.equal(await mode(`${tmp}/shared`), 0o755, "left as it was");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
