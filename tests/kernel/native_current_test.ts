/**
 * The committed native artifacts (bpf/dist/x86_64 and bpf/dist/aarch64) are what
 * scripts/build-native makes from the committed sources: rebuild both architectures into a
 * temp dir and compare every file byte for byte.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { sha256Hex } from "../../src/assets.ts";
import { note } from "./note.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const tools = [
  "/usr/bin/clang",
  "/usr/bin/gcc",
  "/usr/bin/llvm-strip",
  "/usr/bin/aarch64-linux-gnu-gcc",
];
const missing = tools.filter((t) => !existsSync(t));
const skip = missing.length > 0 && Deno.uid() !== 0
  ? `the native toolchain is missing (${missing.join(", ")}) and installing it needs root`
  : undefined;
if (skip) note(`native currency test skipped: ${skip}`);

Deno.test({
  name: "bpf/dist matches a fresh scripts/build-native byte for byte, for x86_64 and aarch64",
  ignore: skip !== undefined,
  fn: async () => {
    const out = await Deno.makeTempDir({ prefix: "leash-native-" });
    try {
      const result = await new Deno.Command(`${ROOT}scripts/build-native`, {
        args: ["--out", out],
        stdout: "inherit",
        stderr: "piped",
      }).output();
      assert.ok(result.success, new TextDecoder().decode(result.stderr));
      const committed = listFiles(`${ROOT}bpf/dist`);
      const fresh = listFiles(out);
      assert.deepEqual(
        [...new Set(committed.map((f) => f.split("/")[0]))],
        ["aarch64", "x86_64"],
        "one directory per architecture",
      );
      assert.deepEqual(fresh, committed, "same artifact list");
      for (const name of committed) {
        const a = await sha256Hex(await Deno.readFile(`${ROOT}bpf/dist/${name}`));
        const b = await sha256Hex(await Deno.readFile(`${out}/${name}`));
        assert.equal(
          a,
          b,
          `bpf/dist/${name} is stale: run scripts/build-native and commit bpf/dist`,
        );
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

/** Files under `dir` as sorted relative paths (`x86_64/leash-helper`). */
function listFiles(dir: string, prefix = ""): string[] {
  const files: string[] = [];
  for (const e of Deno.readDirSync(`${dir}/${prefix}`)) {
    if (e.isDirectory) files.push(...listFiles(dir, `${prefix}${e.name}/`));
    else files.push(`${prefix}${e.name}`);
  }
  return files.sort();
}
