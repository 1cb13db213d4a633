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

Deno.test("createSessionDirs() refuses a socket dir under a parent others may write or swap", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    // /tmp/leash-<uid> made by someone else, world-writable: they could rename ours away.
    const planted = `${tmp}/leash-1000`;
    await Deno.mkdir(planted);
    await Deno.chmod(planted, 0o777);
    const paths = sessionPaths(
      { state: `${tmp}/state`, data: `${tmp}/data`, runtime: planted },
      "s1",
    );
    await assert.rejects(
      createSessionDirs(paths),
      /Refusing to keep leash's sockets under ".*leash-1000": ".*leash-1000" is writable by everyone without the sticky bit; .*XDG_RUNTIME_DIR/,
    );
    assert.equal(await Deno.stat(paths.sockets).then(() => true, () => false), false);
    // A symlink in its place is refused too.
    await Deno.remove(planted);
    await Deno.mkdir(`${tmp}/elsewhere`, { mode: 0o700 });
    await Deno.symlink(`${tmp}/elsewhere`, planted);
    await assert.rejects(createSessionDirs(paths), /is a symbolic link/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
