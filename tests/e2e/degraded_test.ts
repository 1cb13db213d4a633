/**
 * Degraded by default (issue 10 class 9): a session whose file and exec rules neither
 * kernel-lsm nor Landlock enforces does not start unless `--allow-degraded` says so. This host
 * has no BPF LSM; `LEASH_DISABLE_LAYERS=landlock` stands for a kernel without Landlock.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertNoContainers, leash, sandbox, setup } from "./_session.ts";
import { localEngineOnly } from "./_remote.ts";

const COPIED = localEngineOnly(
  "reads what the command wrote in the workspace back on this host; on a remote engine the workspace is a copy that is not copied back",
);

const { docker, image } = await setup();
globalThis.addEventListener("unload", () => docker.close());

const NO_LANDLOCK = { LEASH_DISABLE_LAYERS: "landlock" };

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("leash run: refuses to start when no layer enforces file/exec rules, runs with --allow-degraded", COPIED, async () => {
  await using box = await sandbox();
  const witness = join(box.workspace, "ran");
  const refused = await leash(box, ["run", "--image", image, "--", "touch", witness], NO_LANDLOCK);
  if (/kernel-lsm\s+active/.test(refused.stderr)) {
    // BPF LSM enforces the file/exec rules here: the session is not degraded and must run.
    assert.equal(refused.code, 0, refused.stderr);
    return;
  }
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(
    refused.stderr,
    /no layer enforces the policy's file and exec rules \(kernel-lsm: .*; landlock: disabled by LEASH_DISABLE_LAYERS\).*--allow-degraded/,
  );
  assert.equal(await Deno.stat(witness).then(() => true, () => false), false, "the command ran");
  await assertNoContainers(docker, refused.session);

  const allowed = await leash(
    box,
    ["run", "--image", image, "--allow-degraded", "--", "touch", witness],
    NO_LANDLOCK,
  );
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stderr, /landlock\s+off\s+disabled by LEASH_DISABLE_LAYERS/);
  assert.equal(await Deno.stat(witness).then(() => true, () => false), true);
  await assertNoContainers(docker, allowed.session);

  // In record mode nothing is enforced by request: no refusal.
  const recorded = await leash(
    box,
    ["run", "--image", image, "--mode", "record", "--", "true"],
    NO_LANDLOCK,
  );
  assert.equal(recorded.code, 0, recorded.stderr);
});
