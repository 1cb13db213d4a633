/**
 * `leash run` reads `./leash.cedar` the way `leash policy` does: a file that exists but cannot be
 * read stops the run with an error naming it, before any session starts, instead of running the
 * command under the built-in policy. Real CLI, real dockerd (the image must exist to get there).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DockerClient } from "../../src/docker/mod.ts";
import { runLeash } from "../cli/_run_cli.ts";
import { ensureBusyboxImage } from "../fixtures/busybox_image.ts";
import { note } from "../kernel/note.ts";

/** Runs `leash run IMAGE -- true` in `cwd` with its own XDG dirs; returns the result and the sessions made. */
async function runIn(cwd: string, image: string) {
  const state = join(cwd, ".state");
  const result = await runLeash(["run", "--image", image, "--listen", "", "--", "true"], {
    cwd,
    env: { XDG_STATE_HOME: state, XDG_RUNTIME_DIR: join(cwd, ".run"), HOME: cwd },
  });
  const sessions: string[] = [];
  try {
    for await (const entry of Deno.readDir(join(state, "leash", "sessions"))) {
      sessions.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return { ...result, sessions };
}

async function busybox(): Promise<string> {
  using docker = await DockerClient.connect();
  return await ensureBusyboxImage(docker);
}

Deno.test("leash run fails naming ./leash.cedar when it is a directory, and starts no session", async () => {
  const image = await busybox();
  const cwd = await Deno.makeTempDir({ prefix: "leash-policy-read-" });
  try {
    await Deno.mkdir(join(cwd, "leash.cedar"));
    const r = await runIn(cwd, image);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`error: Cannot read policy "${cwd}/leash.cedar": it is a directory`),
    );
    assert.doesNotMatch(r.stderr, /built-in/);
    assert.deepEqual(r.sessions, []);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

const root = Deno.uid() === 0;
if (root) {
  note(
    "run_policy_test: the unreadable-file case needs a non-root user (root reads mode 000 files)",
  );
}

Deno.test({
  name: "leash run fails naming an unreadable ./leash.cedar (mode 000), and starts no session",
  ignore: root,
  async fn() {
    const image = await busybox();
    const cwd = await Deno.makeTempDir({ prefix: "leash-policy-read-" });
    try {
      await Deno.writeTextFile(join(cwd, "leash.cedar"), "// unreadable\n", { mode: 0o000 });
      await Deno.chmod(join(cwd, "leash.cedar"), 0o000);
      const r = await runIn(cwd, image);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`error: Cannot read policy "${cwd}/leash.cedar": permission denied`),
      );
      assert.deepEqual(r.sessions, []);
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  },
});
