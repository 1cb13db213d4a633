import assert from "node:assert/strict";
import { join } from "node:path";
import { ownedBy } from "./home_owner.ts";

async function tree(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "leash-owner-" });
  await Deno.mkdir(join(root, "d", "e"), { recursive: true });
  await Deno.writeTextFile(join(root, "d", "e", "f"), "x");
  await Deno.writeTextFile(join(root, "file.json"), "{}");
  await Deno.symlink("/etc/passwd", join(root, "d", "link"));
  return root;
}

Deno.test("ownedBy() finds the owner's entries at any depth and skips missing paths", async () => {
  const root = await tree();
  try {
    const me = Deno.uid()!;
    const paths = [join(root, "file.json"), join(root, "d"), join(root, "missing")];
    assert.equal(await ownedBy(paths, me), true);
    assert.equal(await ownedBy(paths, me + 1), false);
    assert.equal(await ownedBy([join(root, "missing")], me), false);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: `ownedBy() finds root's file deep in a tree of another owner, and root's symlink itself${
    Deno.uid() === 0 ? "" : " (ignored: changing owners needs root)"
  }`,
  ignore: Deno.uid() !== 0,
  async fn() {
    const root = await tree();
    try {
      const other = 4242;
      for (const p of ["d", "d/e", "d/e/f", "file.json"]) {
        await Deno.chown(join(root, p), other, other);
      }
      const paths = [join(root, "file.json"), join(root, "d")];
      // The symlink is still root's (its target /etc/passwd too, which must not count).
      assert.equal(await ownedBy(paths, 0), true);
      await Deno.remove(join(root, "d", "link"));
      assert.equal(await ownedBy(paths, 0), false);
      await Deno.chown(join(root, "d", "e", "f"), 0, 0);
      assert.equal(await ownedBy(paths, 0), true);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
