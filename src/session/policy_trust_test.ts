import assert from "node:assert/strict";
import { join } from "node:path";
import {
  isPolicyTrusted,
  requireTrustedPolicy,
  trustPolicy,
  trustStoreDir,
} from "./policy_trust.ts";

async function withDirs(fn: (work: string, data: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "leash-trust-" });
  try {
    await Deno.mkdir(join(root, "work"));
    await fn(await Deno.realPath(join(root, "work")), join(root, "data"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const POLICY = '@id("a")\npermit (principal, action, resource);\n';

Deno.test("requireTrustedPolicy() refuses a new policy naming the file and the command", () =>
  withDirs(async (work, data) => {
    const file = join(work, "leash.cedar");
    await Deno.writeTextFile(file, POLICY);
    await assert.rejects(
      requireTrustedPolicy({ data }, file, POLICY),
      new RegExp(
        `^UntrustedPolicyError: Refusing to use policy "${file}": it is new or changed since you last trusted it; review it, then run "leash policy trust ${file}"$`,
      ),
    );
  }));

Deno.test("trustPolicy() trusts this content only: a change needs trusting again", () =>
  withDirs(async (work, data) => {
    const file = join(work, "leash.cedar");
    await Deno.writeTextFile(file, POLICY);
    const trusted = await trustPolicy({ data }, file, POLICY);
    assert.equal(trusted.path, file);
    assert.match(trusted.sha256, /^[0-9a-f]{64}$/);
    await requireTrustedPolicy({ data }, file, POLICY);
    const changed = POLICY + "// permit everything from now on\n";
    assert.equal(await isPolicyTrusted({ data }, file, changed), false);
    assert.equal((await Deno.stat(trustStoreDir({ data }))).mode! & 0o777, 0o700);
  }));

Deno.test("trustPolicy() trusts this path only: the same text elsewhere is not trusted", () =>
  withDirs(async (work, data) => {
    const file = join(work, "leash.cedar");
    await Deno.writeTextFile(file, POLICY);
    await trustPolicy({ data }, file, POLICY);
    await Deno.mkdir(join(work, "sub"));
    const other = join(work, "sub", "leash.cedar");
    await Deno.writeTextFile(other, POLICY);
    assert.equal(await isPolicyTrusted({ data }, other, POLICY), false);
  }));
