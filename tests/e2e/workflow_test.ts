/**
 * A real agent workflow under containment (issue 10: "the e2e suite must keep passing for a real
 * agent workflow in the workspace"): in the Debian fixture image, the command edits files, runs
 * node and the standard tools, and runs the project's own test script, which needs exec in the
 * workspace.
 * Judged by the workspace on the host and the command's output.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_POLICY } from "../../src/policy/mod.ts";
import { withWorkspace } from "../../src/session/workspace_policy.ts";
import { ensureDebianImage } from "../fixtures/debian_image.ts";
import { assertNoContainers, leash, type Sandbox, sandbox, setup } from "./_session.ts";
import { localEngineOnly } from "./_remote.ts";

const COPIED = localEngineOnly(
  "reads what the command wrote in the workspace back on this host; on a remote engine the workspace is a copy that is not copied back",
);

const { docker, image } = await setup(ensureDebianImage);
globalThis.addEventListener("unload", () => docker.close());

const WORKFLOW = `set -e
sed -i 's/return a - b/return a + b/' sum.js
node test.js
./run-tests.sh
mkdir -p dist && cp sum.js dist/ && tar -czf dist/sum.tgz sum.js && echo built`;

/** A small project: a bug in sum.js, a node test, and a test script run as a program. */
async function project(box: Sandbox): Promise<void> {
  const file = (name: string, text: string, mode = 0o644) =>
    Deno.writeTextFile(join(box.workspace, name), text, { mode });
  await file("sum.js", "module.exports = (a, b) => { return a - b; };\n");
  await file(
    "test.js",
    'const sum = require("./sum.js");\nif (sum(2, 3) !== 5) { console.log("sum broken"); process.exit(1); }\nconsole.log("node test passed");\n',
  );
  await file(
    "run-tests.sh",
    "#!/bin/sh\nnode test.js >/dev/null && echo 'script tests passed'\n",
    0o755,
  );
}

async function run(box: Sandbox, extra: string, script: string) {
  const policy = join(box.root, "policy.cedar");
  await Deno.writeTextFile(policy, withWorkspace(DEFAULT_POLICY, box.workspace) + extra);
  return await leash(box, ["run", "--image", image, "--policy", policy, "--", "sh", "-c", script]);
}

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("workflow: with exec granted in the workspace the agent edits, tests with node and the project's script, and builds", COPIED, async () => {
  await using box = await sandbox();
  await project(box);
  const r = await run(
    box,
    `@id("workspace-exec")
permit (principal, action == Action::"ProcessExec", resource in Dir::"${box.workspace}/");
`,
    WORKFLOW,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^node test passed$/m);
  assert.match(r.stdout, /^script tests passed$/m);
  assert.match(r.stdout, /^built$/m);
  assert.match(await Deno.readTextFile(join(box.workspace, "dist", "sum.js")), /return a \+ b/);
  assert.ok((await Deno.stat(join(box.workspace, "dist", "sum.tgz"))).size > 0);
  await assertNoContainers(docker, r.session);
});

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("workflow: without exec in the workspace its script cannot run as a program, and node still works", COPIED, async () => {
  await using box = await sandbox();
  await project(box);
  const r = await run(
    box,
    "",
    `sed -i 's/return a - b/return a + b/' sum.js && node test.js
./run-tests.sh 2>&1; echo "program=$?"
sh ./run-tests.sh; echo "interpreted=$?"`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^node test passed$/m);
  // Refused by Landlock and the noexec workspace alike: 126, "Permission denied".
  assert.match(r.stdout, /Permission denied\nprogram=126$/m);
  assert.match(r.stdout, /^script tests passed\ninterpreted=0$/m);
  assert.match(await Deno.readTextFile(join(box.workspace, "sum.js")), /return a \+ b/);
  await assertNoContainers(docker, r.session);
});
