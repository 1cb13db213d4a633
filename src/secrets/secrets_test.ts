import assert from "node:assert/strict";
import { Redactor } from "../events/mod.ts";
import { parseSecretSpec, resolveSecrets, SecretError } from "./mod.ts";

const VALUE = "tok-9f8e7d6c5b4a";

Deno.test("resolveSecrets() reads env, file and cmd sources on the host", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/token`, `${VALUE}-file\n`, { mode: 0o600 });
    await Deno.chmod(`${dir}/token`, 0o600);
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

Deno.test("resolveSecrets() refuses a secret file group or others may read, unless told", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/token`;
    await Deno.writeTextFile(path, `${VALUE}\n`);
    for (const mode of [0o644, 0o640, 0o604]) {
      await Deno.chmod(path, mode);
      const error = await failure([`API=file:${path}`]);
      assert.ok(error instanceof SecretError);
      assert.match(
        error.message,
        /lets other users read it: run chmod 600 ".*token", or set LEASH_SECRET_FILE_ANY_MODE=1/,
      );
      assert.ok(!error.message.includes(VALUE));
    }
    const store = await resolveSecrets([`API=file:${path}`], {
      env: (name) => name === "LEASH_SECRET_FILE_ANY_MODE" ? "1" : undefined,
    });
    assert.equal(store.reveal("API"), VALUE);
    await Deno.chmod(path, 0o600);
    assert.equal(
      (await resolveSecrets([`API=file:${path}`], { env: () => undefined })).reveal("API"),
      VALUE,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Whether `pid` is a live process (not gone, not a zombie). */
async function alive(pid: number): Promise<boolean> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
  return stat !== "" && !/^\d+ \(.*\) Z/.test(stat);
}

Deno.test("resolveSecrets() kills a cmd: source past its timeout, children included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The command starts a child that outlives it unless its group is killed, and hangs.
    const pidFile = `${dir}/child.pid`;
    const error = await failure([
      `API=cmd:sh -c 'echo $$ > ${pidFile}; exec sleep 600' & sleep 600`,
    ], { LEASH_SECRET_CMD_TIMEOUT: "1" });
    assert.ok(error instanceof SecretError);
    assert.match(
      error.message,
      /did not finish within 1 s and was killed; .*LEASH_SECRET_CMD_TIMEOUT/,
    );
    const child = Number(await Deno.readTextFile(pidFile));
    // SIGKILL was sent; wait for it to land (the guard only stops a hang).
    for (let i = 0; i < 600 && await alive(child); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(await alive(child), false, `the command's child ${child} survived`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveSecrets() redacts what a failing cmd: source printed on stderr", async () => {
  const token = "ghp_AbCdEf0123456789AbCdEf0123456789";
  const error = await failure([
    "FIRST=env:E",
    `API=cmd:printf 'partial-${VALUE}'; echo "token ${token} expired for ${VALUE}-env and partial-${VALUE}" >&2; exit 2`,
  ], { E: `${VALUE}-env` });
  assert.match(
    error.message,
    /exited with 2 \(token «redacted» expired for «redacted» and «redacted»\)/,
  );
  assert.ok(!error.message.includes(token));
  assert.ok(!error.message.includes(VALUE));
});

Deno.test("resolveSecrets() derives a prefixed secret and masks both values", async () => {
  const masked: [string, string][] = [];
  const store = await resolveSecrets(["K=env:K"], {
    env: (name) => name === "K" ? "sk-123456" : undefined,
    derived: [{ name: "K_HEADER", from: "K", prefix: "Bearer " }],
    redactor: { add: (name: string, value: string) => void masked.push([name, value]) } as never,
  });
  assert.equal(store.reveal("K_HEADER"), "Bearer sk-123456");
  assert.equal(store.reveal("K"), "sk-123456");
  assert.deepEqual(masked, [["K", "sk-123456"], ["K_HEADER", "Bearer sk-123456"]]);
  await assert.rejects(
    resolveSecrets([], { derived: [{ name: "X", from: "MISSING", prefix: "" }] }),
    /Cannot derive secret "X": secret "MISSING" is not given/,
  );
});
