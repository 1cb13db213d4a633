/**
 * The agent rewriting its own policy (issue 10 class 3), as real `leash run` sessions in the e2e
 * style: a session under the built-in policy (workspace writable) plants a permit-all
 * `./leash.cedar` for the next session; a session under a trusted `./leash.cedar` tries to
 * rewrite, replace or remove it. Judged by what the next session runs under and by the file's
 * content on the host.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_POLICY } from "../../src/policy/mod.ts";
import { withWorkspace } from "../../src/session/workspace_policy.ts";
import { assertNoContainers, leash, sandbox, setup } from "../e2e/_session.ts";

const { docker, image } = await setup();
globalThis.addEventListener("unload", () => docker.close());

const PERMIT_ALL = '@id("agent-wins")\npermit (principal, action, resource);\n';

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("policy trust: a ./leash.cedar the agent planted is not used by the next session", async () => {
  await using box = await sandbox();
  const planted = join(box.workspace, "leash.cedar");
  const first = await leash(box, [
    "run",
    "--image",
    image,
    "--",
    "sh",
    "-c",
    `printf '%s' '${PERMIT_ALL}' > leash.cedar && echo planted`,
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(await Deno.readTextFile(planted), PERMIT_ALL, "the built-in policy lets it write");

  // The next session: the planted policy would let the command write /etc; it must not start.
  const witness = join(box.workspace, "ran-under-planted-policy");
  const second = await leash(box, ["run", "--image", image, "--", "touch", witness]);
  assert.equal(second.code, 1, second.stderr);
  const real = await Deno.realPath(planted);
  const errors = second.stderr.split("\n").filter((l) => l.startsWith("error:"));
  assert.deepEqual(errors, [
    `error: Refusing to use policy "${real}": it is new or changed since you last trusted it; review it, then run "leash policy trust ${real}"`,
  ]);
  assert.equal(second.session, undefined, "no session was started");
  assert.equal(await exists(witness), false);
});

Deno.test("policy trust: a trusted ./leash.cedar runs, is read-only inside, and a change needs trust again", async () => {
  await using box = await sandbox();
  const file = join(box.workspace, "leash.cedar");
  const policy = withWorkspace(DEFAULT_POLICY, box.workspace);
  await Deno.writeTextFile(file, policy);

  const trusted = await leash(box, ["policy", "trust"]);
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.match(trusted.stdout, /^trusted ".*leash.cedar" \(sha256 [0-9a-f]{16}…\)$/m);

  // The agent, as root, tries every way to change the policy the next session will use.
  const r = await leash(box, [
    "run",
    "--image",
    image,
    "--",
    "sh",
    "-c",
    `printf '%s' '${PERMIT_ALL}' > leash.cedar && echo wrote
     printf '%s' '${PERMIT_ALL}' >> leash.cedar && echo appended
     printf '%s' '${PERMIT_ALL}' > new.cedar; mv new.cedar leash.cedar && echo replaced
     rm -f leash.cedar && echo removed
     chmod 666 leash.cedar && echo chmod
     touch still-writable && echo "workspace=$(id -u)"`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^workspace=0$/m, "the rest of the workspace stays writable");
  assert.doesNotMatch(r.stdout, /^(wrote|appended|replaced|removed|chmod)$/m, r.stdout);
  assert.equal(await Deno.readTextFile(file), policy, "the policy on the host is unchanged");
  await assertNoContainers(docker, r.session);

  // Changed on the host (as another session without the mask could have): refused until
  // trusted again.
  await Deno.writeTextFile(file, policy + PERMIT_ALL);
  const changed = await leash(box, ["run", "--image", image, "--", "true"]);
  assert.equal(changed.code, 1, changed.stderr);
  assert.match(changed.stderr, /it is new or changed since you last trusted it/);
});

Deno.test("policy trust: an agent whose workspace holds leash's data dir cannot forge trust", async () => {
  await using box = await sandbox();
  // The user's data dir inside the workspace (e.g. leash run in $HOME): hidden, so no store to forge.
  const env = { XDG_DATA_HOME: join(box.workspace, ".data") };
  const forge = await leash(box, [
    "run",
    "--image",
    image,
    "--",
    "sh",
    "-c",
    `printf '%s' '${PERMIT_ALL}' > leash.cedar && echo planted
     h=$(sha256sum leash.cedar | cut -d' ' -f1)
     e=$(printf '%s\\0%s' "$PWD/leash.cedar" "$h" | sha256sum | cut -d' ' -f1)
     store=.data/leash/trusted-policies
     echo '{}' > "$store/$e" && echo forged
     mv "$store" "$store.old" && mkdir "$store" && echo '{}' > "$store/$e" && echo swapped
     ls -d "$store" 2>/dev/null; true`,
  ], env);
  assert.equal(forge.code, 0, forge.stderr);
  assert.match(forge.stdout, /^planted$/m);
  assert.doesNotMatch(forge.stdout, /^(forged|swapped)$/m, forge.stdout);

  const witness = join(box.workspace, "ran-under-planted-policy");
  const next = await leash(box, ["run", "--image", image, "--", "touch", witness], env);
  assert.equal(next.code, 1, next.stderr);
  assert.match(next.stderr, /Refusing to use policy ".*leash.cedar": it is new or changed/);
  assert.equal(await exists(witness), false);
});

Deno.test("leash's dirs: an agent whose workspace holds leash's data, state and runtime dirs sees none of them", async () => {
  await using box = await sandbox();
  // leash run in $HOME: the CA key, the sessions (UI tokens, logs) and the sockets are under it.
  const runtime = join(box.workspace, ".run");
  await Deno.mkdir(runtime, { mode: 0o700 });
  const env = {
    XDG_DATA_HOME: join(box.workspace, ".data"),
    XDG_STATE_HOME: join(box.workspace, ".state"),
    XDG_RUNTIME_DIR: runtime,
  };
  const r = await leash(box, [
    "run",
    "--image",
    image,
    "--",
    "sh",
    "-c",
    `cat .data/leash/ca/ca-key.pem .state/leash/sessions/*/ui-token 2>/dev/null; echo "cat=$?"
     echo "data=[$(ls -A .data/leash)] state=[$(ls -A .state/leash)] run=[$(ls -A .run/leash)]"
     touch .data/leash/planted 2>/dev/null && echo planted; true`,
  ], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^data=\[\] state=\[\] run=\[\]$/m, r.stdout);
  assert.doesNotMatch(r.stdout, /PRIVATE KEY|^planted$/m, r.stdout);
  // The test means something: the key is there on the host, and so are the session files.
  assert.match(
    await Deno.readTextFile(join(env.XDG_DATA_HOME, "leash", "ca", "ca-key.pem")),
    /PRIVATE KEY/,
  );
  assert.ok(r.session !== undefined && await exists(join(env.XDG_STATE_HOME, "leash", "sessions")));
  await assertNoContainers(docker, r.session);

  // Mounting one of them explicitly is refused, naming the mount.
  const key = join(env.XDG_DATA_HOME, "leash", "ca");
  const mounted = await leash(box, ["run", "--image", image, "-v", `${key}:/x`, "--", "true"], env);
  assert.equal(mounted.code, 1, mounted.stderr);
  assert.match(mounted.stderr, /Cannot mount ".*\/leash\/ca" into the agent's container/);
});
