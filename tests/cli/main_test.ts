import assert from "node:assert/strict";
import { sha256Hex } from "../../src/assets.ts";
import { runLeash } from "./_run_cli.ts";

Deno.test("leash --help lists run, doctor, policy and version and exits 0", async () => {
  const result = await runLeash(["--help"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  for (const command of ["run", "doctor", "policy", "version"]) {
    assert.match(result.stdout, new RegExp(`^  ${command} +\\S`, "m"));
  }
});

Deno.test("leash without arguments prints usage and exits 2", async () => {
  const result = await runLeash([]);
  assert.equal(result.code, 2);
  assert.match(result.stdout, /^Usage: leash COMMAND/m);
});

Deno.test("leash with an unknown command exits 2 and suggests the closest", async () => {
  const result = await runLeash(["docter"]);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^error: Unknown command "docter": did you mean "doctor"\?$/m);
  assert.match(result.stderr, /^Usage: leash COMMAND/m);
});

Deno.test("leash with an unknown flag on a command exits 2 with that command's usage", async () => {
  const result = await runLeash(["version", "--jsn"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^error: Unknown flag "--jsn": did you mean "--json"\?$/m);
  assert.match(result.stderr, /^Usage: leash version \[--json\]$/m);
  assert.match(result.stderr, /See "leash version --help"/);
});

Deno.test("every command answers --help with exit 0 and its usage line", async () => {
  for (const command of ["run", "doctor", "policy", "version"]) {
    const result = await runLeash([command, "--help"]);
    assert.equal(result.code, 0, `${command} --help: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`^Usage: leash ${command}`, "m"));
  }
});

Deno.test("leash version prints the version and one line per native asset", async () => {
  const result = await runLeash(["version"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^leash \d+\.\d+\.\d+ \(deno 2\.\d+\.\d+\)$/m);
  assert.match(result.stdout, /^build: source, target linux-(x86_64|aarch64)$/m);
  // One line per architecture, with the hash of the committed helper (or "not built").
  for (const arch of ["x86_64", "aarch64"]) {
    const file = new URL(`../../bpf/dist/${arch}/leash-helper`, import.meta.url);
    const bytes = await Deno.readFile(file).catch(() => undefined);
    const expected = bytes ? `sha256:${await sha256Hex(bytes)}` : "not built";
    assert.match(
      result.stdout,
      new RegExp(`^ {2}leash-helper \\(${arch}\\) +${expected}$`, "m"),
    );
  }
});

Deno.test("leash version --json gives the assets with hashes or null", async () => {
  const result = await runLeash(["version", "--json"]);
  assert.equal(result.code, 0);
  const json = JSON.parse(result.stdout);
  assert.match(json.version, /^\d+\.\d+\.\d+$/);
  assert.ok(Array.isArray(json.assets) && json.assets.length > 0);
  for (const asset of json.assets) {
    assert.ok(asset.sha256 === null || /^[0-9a-f]{64}$/.test(asset.sha256));
  }
});

Deno.test("-V is the same as leash version", async () => {
  const [short, long] = await Promise.all([runLeash(["-V"]), runLeash(["version"])]);
  assert.equal(short.stdout, long.stdout);
});
