import assert from "node:assert/strict";

const RELEASE = new URL("../../scripts/release", import.meta.url).pathname;

async function release(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number; stderr: string }> {
  const output = await new Deno.Command("bash", {
    args: [RELEASE, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("scripts/release names an empty DENORT_BIN and both ways out", async () => {
  const result = await release({ DENORT_BIN: "" });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^error: Cannot build a release: DENORT_BIN is empty; set it to a denort 2\.9\.\d+ binary for x86_64-unknown-linux-gnu, or unset it to build the self-extracting file$/m,
  );
});

Deno.test("scripts/release names an unsupported target and the supported one", async () => {
  const result = await release({}, ["--target", "riscv64gc-unknown-linux-gnu"]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^error: Cannot build a release for "riscv64gc-unknown-linux-gnu": supported: x86_64-unknown-linux-gnu$/m,
  );
});

Deno.test("scripts/release names a DENORT_BIN that is not executable", async () => {
  const result = await release({ DENORT_BIN: "/nonexistent/denort" });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /DENORT_BIN "\/nonexistent\/denort" is not an executable file/);
});
