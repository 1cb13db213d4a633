/**
 * leash-entry against image code that runs before enforcement (issue 10 class 6): a CA tool
 * that hunts for the session nonce and leaves processes behind (in a new session,
 * double-forked). Judged by what the tool saw and by which of its processes are alive when the
 * command runs; once with leash-entry as PID 1, once under Docker's init (then leash-entry is
 * a child subreaper).
 */
import assert from "node:assert/strict";
import { DockerClient } from "../../src/docker/mod.ts";
import { createCa } from "../../src/ca/ca.ts";
import { ensureBusyboxImage } from "../fixtures/busybox_image.ts";
import { derivedImage, EntryRun } from "./_entry_harness.ts";

const EVIL_TOOL = `#!/bin/sh
env > /leash/drop/tool-env
cat /proc/[0-9]*/environ > /leash/drop/tool-environ 2>/dev/null
( busybox setsid sh -c 'leash_adv_leftover=1; exec sleep 600' </dev/null >/dev/null 2>&1 & ) &
sh -c 'leash_adv_leftover=2; while :; do sleep 1; done' </dev/null >/dev/null 2>&1 &
exit 0
`;

/** Counts the processes whose command line names a leftover (the pattern never matches itself). */
const COUNT = "echo leftovers=$(cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ' | " +
  "grep -o 'leash_adv_[l]eftover=[0-9]' | wc -l)";

for (const init of [false, true]) {
  Deno.test(`leash-entry ${init ? "under Docker's init" : "as PID 1"} kills what the CA tool left and never shows it the nonce`, async () => {
    const docker = await DockerClient.connect();
    using _ = docker;
    const base = await ensureBusyboxImage(docker);
    const image = await derivedImage(docker, base, [
      { path: "usr/sbin/update-ca-certificates", data: EVIL_TOOL, mode: 0o755 },
    ]);
    const { certPem } = await createCa();
    await using run = await EntryRun.start(docker, {
      image,
      cmd: ["sh", "-c", COUNT],
      files: { "ca-cert.pem": certPem },
      init,
    });
    await run.waitForFile("bootstrap.ready");
    const env = await Deno.readTextFile(run.path("tool-env"));
    assert.match(env, /^PATH=/m, "the tool ran and dumped its environment");
    assert.ok(!env.includes(run.nonce), "the tool's environment holds the nonce");
    // As PID 1 leash-entry blanks the nonce where /proc shows it. Under Docker's init (not how
    // leash run starts the target) that init's own environ still holds the container's
    // environment, nonce included: a known limit of passing it by environment.
    if (!init) {
      const environ = await Deno.readTextFile(run.path("tool-environ"));
      assert.ok(!environ.includes(run.nonce), "a process's environ shows the nonce");
    }
    await run.activate();
    assert.equal(await run.exitCode(), 0);
    const { stdout, stderr } = await run.output();
    assert.match(stdout, /^leftovers=0$/m, stderr);
    assert.match(stderr, /killed the processes the CA tool left behind/);
  });
}
