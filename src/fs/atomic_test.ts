import assert from "node:assert/strict";
import { writeFileAtomic } from "./atomic.ts";

Deno.test("writeFileAtomic() replaces the file whole with the requested mode and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/marker.json`;
    await Deno.writeTextFile(path, "old");
    await writeFileAtomic(path, '{"protocol":1}', { mode: 0o600 });
    assert.equal(await Deno.readTextFile(path), '{"protocol":1}');
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["marker.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() names the path when the directory does not exist", async () => {
  await assert.rejects(
    writeFileAtomic("/nonexistent-leash-dir/x", "data"),
    /Cannot create temporary file "\/nonexistent-leash-dir\/\.x\.[0-9a-f]{8}\.tmp" for "\/nonexistent-leash-dir\/x"/,
  );
});
