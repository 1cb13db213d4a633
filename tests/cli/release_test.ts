import assert from "node:assert/strict";

const RELEASE = new URL("../../scripts/release", import.meta.url).pathname;

async function release(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const output = await new Deno.Command("bash", {
    args: [RELEASE],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("scripts/release asks for DENORT_BIN instead of downloading a runtime", async () => {
  const result = await release({ DENORT_BIN: "" });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^error: Cannot build a release: set DENORT_BIN to a denort 2\.9\.\d+ binary/m,
  );
});

Deno.test("scripts/release names a DENORT_BIN that is not executable", async () => {
  const result = await release({ DENORT_BIN: "/nonexistent/denort" });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /DENORT_BIN "\/nonexistent\/denort" is not an executable file/);
});
