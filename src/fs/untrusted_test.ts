import assert from "node:assert/strict";
import { join } from "node:path";
import { readUntrustedFile, UntrustedFileError } from "./untrusted.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "leash-untrusted-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("readUntrustedFile() reads a small regular file and says undefined when none is there", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "m"), '{"protocol":1}\n');
    assert.equal(await readUntrustedFile(join(dir, "m")), '{"protocol":1}\n');
    assert.equal(await readUntrustedFile(join(dir, "missing")), undefined);
  }));

Deno.test("readUntrustedFile() refuses a symlink and never reads what it points at", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "secret"), "host secret");
    await Deno.symlink(join(dir, "secret"), join(dir, "m"));
    const error = await readUntrustedFile(join(dir, "m")).catch((e) => e);
    assert.ok(error instanceof UntrustedFileError);
    assert.match(error.message, /is a symbolic link/);
    assert.doesNotMatch(error.message, /host secret/);
  }));

Deno.test("readUntrustedFile() refuses a FIFO without waiting for a writer", () =>
  withDir(async (dir) => {
    const fifo = join(dir, "m");
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(made.success);
    // No writer ever opens it: a blocking open would never return and the test would hang.
    const error = await readUntrustedFile(fifo).catch((e) => e);
    assert.ok(error instanceof UntrustedFileError);
    assert.match(error.message, /is a FIFO/);
  }));

Deno.test("readUntrustedFile() refuses a directory and a device", () =>
  withDir(async (dir) => {
    await Deno.mkdir(join(dir, "d"));
    await assert.rejects(readUntrustedFile(join(dir, "d")), /is a directory/);
    await assert.rejects(readUntrustedFile("/dev/zero"), /is a device or socket/);
  }));

Deno.test("readUntrustedFile() refuses a file over the limit, at the limit it reads it", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "big"), "x".repeat(101));
    await Deno.writeTextFile(join(dir, "fits"), "x".repeat(100));
    await assert.rejects(
      readUntrustedFile(join(dir, "big"), { maxBytes: 100 }),
      /larger than 100 bytes/,
    );
    assert.equal((await readUntrustedFile(join(dir, "fits"), { maxBytes: 100 }))?.length, 100);
  }));
