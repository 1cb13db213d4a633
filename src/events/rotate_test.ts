import assert from "node:assert/strict";
import { join } from "node:path";
import { RotatingLog, rotationFromEnv } from "./rotate.ts";

Deno.test("RotatingLog keeps at most `files` files of at most maxBytes and counts what it deletes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const discarded: number[] = [];
    const path = join(dir, "events.ndjson");
    const log = await RotatingLog.open(path, {
      maxBytes: 100,
      files: 3,
      onDiscard: (n) => discarded.push(n),
    });
    const line = (i: number) => `{"seq":${String(i).padStart(5, "0")},"pad":"xxxxxxxxxxxxx"}\n`;
    assert.equal(line(1).length, 36); // two lines per 100-byte file
    for (let i = 1; i <= 10; i++) log.write(line(i));
    log.close();
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["events.ndjson", "events.ndjson.1", "events.ndjson.2"]);
    for (const name of names) assert.ok(Deno.statSync(join(dir, name)).size <= 100, name);
    // 10 lines: files of 2; 4 files were rotated away by the time line 9 started a new one.
    assert.deepEqual(discarded, [2, 2]);
    const kept = names.flatMap((n) => Deno.readTextFileSync(join(dir, n)).trim().split("\n"));
    assert.equal(kept.length + discarded.reduce((a, b) => a + b, 0), 10);
    assert.equal(Deno.readTextFileSync(path), line(9) + line(10));
    assert.equal(Deno.readTextFileSync(`${path}.2`), line(5) + line(6));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rotationFromEnv() reads the cap and refuses bad values naming them", () => {
  const env = (values: Record<string, string>) => (name: string) => values[name];
  assert.deepEqual(rotationFromEnv(env({})), {});
  assert.deepEqual(rotationFromEnv(env({ LEASH_EVENTS_MAX_MB: "0.5", LEASH_EVENTS_FILES: "2" })), {
    maxBytes: 524288,
    files: 2,
  });
  assert.throws(
    () => rotationFromEnv(env({ LEASH_EVENTS_MAX_MB: "lots" })),
    /Cannot use LEASH_EVENTS_MAX_MB "lots": give a positive number of MiB/,
  );
  assert.throws(
    () => rotationFromEnv(env({ LEASH_EVENTS_FILES: "0" })),
    /Cannot use LEASH_EVENTS_FILES "0": give a whole number of files from 1/,
  );
});
