import assert from "node:assert/strict";
import { join } from "node:path";
import { assertSafeAncestors } from "./safe_path.ts";

const FIX = { fix: "set XDG_RUNTIME_DIR" };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "leash-safe-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("assertSafeAncestors() accepts private and sticky parents and paths not made yet", () =>
  withDir(async (dir) => {
    await Deno.mkdir(join(dir, "shared"));
    await Deno.chmod(join(dir, "shared"), 0o1777); // like /tmp
    await Deno.mkdir(join(dir, "shared", "leash-0"), { mode: 0o700 });
    await assertSafeAncestors(join(dir, "shared", "leash-0", "not-yet", "id"), FIX);
  }));

Deno.test("assertSafeAncestors() refuses a parent another user owns (they could swap the dir)", () =>
  withDir(async (dir) => {
    const theirs = join(dir, "leash-1000");
    await Deno.mkdir(theirs, { mode: 0o755 });
    const other = (Deno.uid() ?? 0) === 4242 ? 4243 : 4242;
    await Deno.chown(theirs, other, other).catch(() => {});
    if ((await Deno.stat(theirs)).uid !== other) {
      // Without CAP_CHOWN, test it as "another user" by claiming a different uid for us.
      await assert.rejects(
        assertSafeAncestors(join(theirs, "id"), { ...FIX, uid: 4242 }),
        /is owned by uid \d+, neither you \(uid 4242\) nor root; set XDG_RUNTIME_DIR/,
      );
      return;
    }
    await assert.rejects(
      assertSafeAncestors(join(theirs, "id"), FIX),
      new RegExp(`"${theirs}" is owned by uid ${other}`),
    );
  }));

Deno.test("assertSafeAncestors() refuses a group- or world-writable parent without the sticky bit", () =>
  withDir(async (dir) => {
    const open = join(dir, "open");
    await Deno.mkdir(open);
    await Deno.chmod(open, 0o777);
    await assert.rejects(
      assertSafeAncestors(join(open, "leash-0"), FIX),
      /"[^"]*open" is writable by everyone without the sticky bit/,
    );
    await Deno.chmod(open, 0o775);
    await assert.rejects(assertSafeAncestors(join(open, "leash-0"), FIX), /by its group/);
  }));

Deno.test("assertSafeAncestors() refuses a symlink anywhere on the way", () =>
  withDir(async (dir) => {
    await Deno.mkdir(join(dir, "real"), { mode: 0o700 });
    await Deno.symlink(join(dir, "real"), join(dir, "link"));
    await assert.rejects(
      assertSafeAncestors(join(dir, "link", "leash-0"), FIX),
      /"[^"]*link" is a symbolic link/,
    );
  }));

Deno.test("assertSafeAncestors() takes the unmapped uid of a user namespace for root, and only there", () =>
  withDir(async (dir) => {
    const system = join(dir, "system");
    await Deno.mkdir(system, { mode: 0o755 });
    // Seen as another user (4242), the directory's owner plays the overflow uid: 65534 as
    // root (root's own dirs are always accepted), else our own uid.
    if (Deno.uid() === 0) await Deno.chown(system, 65534, 65534);
    const shown = (await Deno.stat(system)).uid!;
    await assertSafeAncestors(join(system, "id"), { ...FIX, uid: 4242, unmapped: shown });
    await assert.rejects(
      assertSafeAncestors(join(system, "id"), { ...FIX, uid: 4242, unmapped: undefined }),
      new RegExp(`is owned by uid ${shown}, neither you \\(uid 4242\\) nor root`),
    );
  }));
