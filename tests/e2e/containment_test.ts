/**
 * Containment end to end (issue 10 classes 4 and 5, and the workflow side of class 1): the real
 * CLI, dockerd, manager and leash-entry on the busybox fixture image, whose programs are applet
 * links to /bin/busybox. Judged by what the command saw of its own cgroup and mounts, what it
 * left in the workspace, and leash's exit status. (The attacks of classes 1 and 2 are rows of
 * tests/adversarial/attempts_contain.ts.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_POLICY } from "../../src/policy/mod.ts";
import { withWorkspace } from "../../src/session/workspace_policy.ts";
import { assertNoContainers, leash, type Sandbox, sandbox, setup } from "./_session.ts";
import { localEngineOnly } from "./_remote.ts";

const APPLET = localEngineOnly(
  "the exec-link check resolves the target's files through the engine; its warning differs on a remote engine (not investigated)",
);
const COPIED = localEngineOnly(
  "reads what the command wrote in the workspace back on this host; on a remote engine the workspace is a copy that is not copied back",
);

const { docker, image } = await setup();
globalThis.addEventListener("unload", () => docker.close());

/** Writes the built-in policy with the workspace rule plus `extra` as the sandbox's policy. */
async function policy(box: Sandbox, extra: string): Promise<string> {
  const file = join(box.root, "policy.cedar");
  await Deno.writeTextFile(file, withWorkspace(DEFAULT_POLICY, box.workspace) + extra);
  return file;
}

const NO_CAT = `
@id("no-cat")
forbid (principal, action == Action::"ProcessExec", resource == File::"/bin/cat");
`;

Deno.test("leash run --strict: a ProcessExec forbid naming an applet link refuses the session before the command", async () => {
  await using box = await sandbox();
  const file = await policy(box, NO_CAT);
  const r = await leash(box, [
    "run",
    "--image",
    image,
    "--policy",
    file,
    "--strict",
    "--",
    "sh",
    "-c",
    "echo ran > ran.txt",
  ]);
  assert.notEqual(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /--strict: forbid "no-cat" on ProcessExec names "\/bin\/cat", which resolves to "\/bin\/busybox"/,
  );
  assert.equal(await exists(join(box.workspace, "ran.txt")), false, "the command never ran");
  await assertNoContainers(docker, r.session);
});

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("leash run: without --strict the applet-link forbid is warned about, naming busybox", APPLET, async () => {
  await using box = await sandbox();
  const file = await policy(box, NO_CAT);
  await Deno.writeTextFile(join(box.workspace, "in.txt"), "still readable\n");
  const r = await leash(box, ["run", "--image", image, "--policy", file, "--", "cat", "in.txt"]);
  assert.match(
    r.stderr,
    /leash: warning: forbid "no-cat" on ProcessExec names "\/bin\/cat", which resolves to "\/bin\/busybox".*multi-call binary/,
  );
  // The limitation the warning is about: the kernel judges /bin/busybox, which is allowed. As
  // a docker-group user too: leash-entry lists /bin to carve /bin/cat out of the exec grant.
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "still readable\n");
  await assertNoContainers(docker, r.session);
});

/**
 * Reads the command's own pids.max, memory limit and CPU quota from its cgroup: v1 (Docker
 * mounts the container's own group at /sys/fs/cgroup/CONTROLLER) or v2.
 */
const CGROUP_SCRIPT = `
cg() { while IFS=: read -r n c p; do case ",$c," in *",$1,"*) echo "$p"; return;; esac; done </proc/self/cgroup; }
v1() { p=$(cg "$1") && [ -n "$p" ] && { cat "/sys/fs/cgroup/$1$p/$2" || cat "/sys/fs/cgroup/$1/$2"; } 2>/dev/null; }
v2() { p=$(cg "") && { cat "/sys/fs/cgroup$p/$1" 2>/dev/null || cat "/sys/fs/cgroup/unified$p/$1" 2>/dev/null; }; }
echo "pids=$(v1 pids pids.max || v2 pids.max)"
echo "memory=$(v1 memory memory.limit_in_bytes || v2 memory.max)"
echo "cpu=$(v1 cpu cpu.cfs_quota_us || v2 cpu.max)"
`;

Deno.test("leash run: the target's cgroup has the default pids and memory limits, and the banner says so", async () => {
  await using box = await sandbox();
  const r = await leash(box, ["run", "--image", image, "--", "sh", "-c", CGROUP_SCRIPT]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^pids=4096$/m);
  const half = Math.floor(Deno.systemMemoryInfo().total / 2 / 1048576) * 1048576;
  assert.match(r.stdout, new RegExp(`^memory=${half}$`, "m"));
  assert.match(r.stderr, /limits: pids 4096 · memory [\d.]+ GiB · cpus no limit/);
  await assertNoContainers(docker, r.session);
});

Deno.test("leash run: --pids-limit, --memory and --cpus reach the target's cgroup", async () => {
  await using box = await sandbox();
  const r = await leash(box, [
    "run",
    "--image",
    image,
    "--pids-limit",
    "64",
    "--memory",
    "128m",
    "--cpus",
    "0.5",
    "--",
    "sh",
    "-c",
    CGROUP_SCRIPT,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^pids=64$/m);
  assert.match(r.stdout, /^memory=134217728$/m);
  assert.match(r.stdout, /^cpu=(50000|50000 100000)$/m);
  assert.match(r.stderr, /limits: pids 64 · memory 128 MiB · cpus 0\.5/);
  await assertNoContainers(docker, r.session);
});

Deno.test("leash run: a bad limit is a usage error naming the flag", async () => {
  await using box = await sandbox();
  const r = await leash(box, ["run", "--image", image, "--memory", "lots", "--", "true"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /Invalid --memory "lots": use a size of at least 6m/);
});

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("leash run: a workspace the policy lets execute keeps exec; one it does not is noexec", COPIED, async () => {
  await using box = await sandbox();
  await Deno.writeTextFile(join(box.workspace, "build.sh"), "#!/bin/sh\necho built > out.txt\n");
  await Deno.chmod(join(box.workspace, "build.sh"), 0o755);
  // The workspace's mount options (mountinfo escapes its spaces), then a build in it.
  const escaped = box.workspace.replaceAll(" ", "\\040");
  const script =
    `while read -r a b c d mp opts rest; do [ "$mp" = '${escaped}' ] && echo "$opts"; done </proc/self/mountinfo; ./build.sh; echo build=$?`;
  const execFile = await policy(
    box,
    `@id("ws-exec") permit (principal, action == Action::"ProcessExec", resource in Dir::"${box.workspace}/");\n`,
  );
  const ok = await leash(box, [
    "run",
    "--image",
    image,
    "--policy",
    execFile,
    "--",
    "sh",
    "-c",
    script,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /build=0/);
  assert.doesNotMatch(ok.stdout.split("\n")[0]!, /noexec/);
  assert.equal(await Deno.readTextFile(join(box.workspace, "out.txt")), "built\n");
  assert.match(ok.stderr, /exec allowed on "[^"]+" \(the policy grants exec beneath it\)/);

  await Deno.remove(join(box.workspace, "out.txt"));
  const plain = await policy(box, "");
  const no = await leash(box, [
    "run",
    "--image",
    image,
    "--policy",
    plain,
    "--",
    "sh",
    "-c",
    script,
  ]);
  assert.equal(no.code, 0, no.stderr);
  assert.match(no.stdout.split("\n")[0]!, /noexec/);
  assert.doesNotMatch(no.stdout, /build=0/);
  assert.equal(await exists(join(box.workspace, "out.txt")), false);
  assert.match(no.stderr, /exec guards: noexec [^\n]*\/dev\/shm/);
  await assertNoContainers(docker, no.session);
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
