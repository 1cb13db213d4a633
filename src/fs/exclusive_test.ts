import assert from "node:assert/strict";
import { join } from "node:path";
import { withFileLock, writeFileExclusive } from "./exclusive.ts";

Deno.test("writeFileExclusive() writes a new file with its mode and never replaces one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "key.pem");
    await writeFileExclusive(path, "first", 0o600);
    await assert.rejects(writeFileExclusive(path, "second", 0o600), Deno.errors.AlreadyExists);
    assert.equal(await Deno.readTextFile(path), "first");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["key.pem"], "no temp left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withFileLock() runs one holder at a time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const order: string[] = [];
    const hold = (name: string) =>
      withFileLock(join(dir, ".lock"), async () => {
        order.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push(`${name} out`);
      });
    await Promise.all([hold("a"), hold("b"), hold("c")]);
    for (let i = 0; i < order.length; i += 2) {
      assert.equal(order[i]!.split(" ")[0], order[i + 1]!.split(" ")[0], order.join(", "));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
