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
    /^error: Cannot build a release: DENORT_BIN is empty; set it to a denort 2\.9\.\d+ binary for the --target \(x86_64-unknown-linux-gnu, aarch64-unknown-linux-gnu\), or unset it to build the self-extracting file$/m,
  );
});

Deno.test("scripts/release names an unsupported target and the supported ones", async () => {
  const result = await release({}, ["--target", "riscv64gc-unknown-linux-gnu"]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^error: Cannot build a release for "riscv64gc-unknown-linux-gnu": supported: x86_64-unknown-linux-gnu, aarch64-unknown-linux-gnu$/m,
  );
});

Deno.test("scripts/release refuses one --output for both architectures and one DENORT_BIN for both", async () => {
  const output = await release({}, ["--output", "/tmp/leash-x"]);
  assert.equal(output.code, 1);
  assert.match(
    output.stderr,
    /^error: Cannot write both architectures to --output "\/tmp\/leash-x": give --target with it$/m,
  );
  const denort = await release({ DENORT_BIN: "/bin/true" });
  assert.equal(denort.code, 1);
  assert.match(
    denort.stderr,
    /^error: Cannot build both architectures with one DENORT_BIN: give --target for the denort's architecture \(x86_64-unknown-linux-gnu, aarch64-unknown-linux-gnu\)$/m,
  );
  const two = await release({}, [
    "--target",
    "x86_64-unknown-linux-gnu",
    "--target",
    "aarch64-unknown-linux-gnu",
  ]);
  assert.equal(two.code, 1);
  assert.match(
    two.stderr,
    /^error: Cannot build for .* at once: give one --target, or none for both$/m,
  );
});

Deno.test("scripts/release names a DENORT_BIN that is not executable", async () => {
  const result = await release({ DENORT_BIN: "/nonexistent/denort" });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /DENORT_BIN "\/nonexistent\/denort" is not an executable file/);
});
