import assert from "node:assert/strict";
import { join } from "node:path";
import { OWNER_FILE, ownerAlive, writeOwner } from "./owner.ts";

Deno.test("ownerAlive() is true for this process and false for a dead or reused pid", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await ownerAlive(dir), false);
    await writeOwner(dir);
    assert.equal(await ownerAlive(dir), true);
    assert.equal((await Deno.stat(join(dir, OWNER_FILE))).mode! & 0o777, 0o600);
    // Same pid, another start time: the pid was reused by an unrelated process.
    await Deno.writeTextFile(join(dir, OWNER_FILE), `${Deno.pid} 1\n`);
    assert.equal(await ownerAlive(dir), false);
    const child = new Deno.Command("true").spawn();
    await child.status;
    await Deno.writeTextFile(join(dir, OWNER_FILE), `${child.pid} \n`);
    assert.equal(await ownerAlive(dir), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
