import assert from "node:assert/strict";
import { exists } from "./exists.ts";

Deno.test("exists() is true for a file and a directory, false for a missing path and a link loop", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/file`, "x");
    await Deno.symlink(`${dir}/loop`, `${dir}/loop`);
    assert.equal(await exists(`${dir}/file`), true);
    assert.equal(await exists(dir), true);
    assert.equal(await exists(`${dir}/missing`), false);
    assert.equal(await exists(`${dir}/loop`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
