import assert from "node:assert/strict";
import { Redactor } from "../events/mod.ts";
import { parseSecretSpec, resolveSecrets, SecretError } from "./mod.ts";

const VALUE = "tok-9f8e7d6c5b4a";

Deno.test("resolveSecrets() reads env, file and cmd sources on the host", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/token`, `${VALUE}-file\n`);
    const redactor = new Redactor();
    const store = await resolveSecrets([
      "A=env:LEASH_TEST_A",
      `B=file:${dir}/token`,
      `C=cmd:printf '%s' '${VALUE}-cmd'`,
    ], { env: (name) => name === "LEASH_TEST_A" ? `${VALUE}-env` : undefined, redactor });
    assert.deepEqual(store.names, ["A", "B", "C"]);
    assert.equal(store.reveal("A"), `${VALUE}-env`);
    assert.equal(store.reveal("B"), `${VALUE}-file`);
    assert.equal(store.reveal("C"), `${VALUE}-cmd`);
    assert.equal(redactor.text(`x ${VALUE}-cmd y`), "x «secret:C» y");
    assert.equal(JSON.stringify(store), '{"secrets":["A","B","C"]}');
    assert.ok(!Deno.inspect(store).includes(VALUE));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function failure(specs: string[], env: Record<string, string> = {}): Promise<Error> {
  try {
    await resolveSecrets(specs, { env: (name) => env[name] });
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  throw new Error("expected a failure");
}

Deno.test("resolveSecrets() errors name the secret and source but never a value", async () => {
  const unset = await failure(["API=env:NOPE"]);
  assert.ok(unset instanceof SecretError);
  assert.equal(unset.message, 'Cannot read secret "API" from "env:NOPE": the variable is not set');
  const empty = await failure(["API=env:E"], { E: "" });
  assert.equal(empty.message, 'Cannot use secret "API" from "env:E": the value is empty');
  const short = await failure(["API=env:E"], { E: "abc" });
  assert.match(short.message, /shorter than 4 characters/);
  const missing = await failure(["API=file:/nonexistent/leash-secret"]);
  assert.equal(
    missing.message,
    'Cannot read secret "API" from "file:/nonexistent/leash-secret": NotFound',
  );
  const cmd = await failure([`API=cmd:echo ${VALUE}; echo "vault locked" >&2; exit 3`]);
  assert.equal(
    cmd.message,
    'Cannot read secret "API" from "cmd:…": the command exited with 3 (vault locked)',
  );
  assert.ok(!cmd.message.includes(VALUE));
  const newline = await failure(["API=env:E"], { E: `${VALUE}\nX-Evil: 1` });
  assert.match(newline.message, /line break/);
  assert.ok(!newline.message.includes(VALUE));
  const twice = await failure(["API=env:E", "API=env:E"], { E: VALUE });
  assert.ok(twice instanceof TypeError);
  assert.match(twice.message, /given twice/);
});

Deno.test("parseSecretSpec() refuses bad names and sources", () => {
  assert.deepEqual(parseSecretSpec("GH_TOKEN=env:GITHUB_TOKEN"), {
    name: "GH_TOKEN",
    source: { kind: "env", variable: "GITHUB_TOKEN" },
  });
  assert.deepEqual(parseSecretSpec("X=cmd:op read op://a/b=c"), {
    name: "X",
    source: { kind: "cmd", command: "op read op://a/b=c" },
  });
  assert.throws(() => parseSecretSpec("NOSOURCE"), /write NAME=env:VAR/);
  assert.throws(() => parseSecretSpec("1BAD=env:X"), /a name is letters/);
  assert.throws(() => parseSecretSpec("A=vault:x"), /must be env:VAR, file:PATH or cmd:COMMAND/);
  assert.throws(() => parseSecretSpec("A=env:"), TypeError);
});
