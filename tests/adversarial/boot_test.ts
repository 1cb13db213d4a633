/**
 * BOOT attempts by the image author (issue 10 class 6), as real `leash run` sessions in the
 * e2e style: image code that runs before enforcement (a malicious `update-ca-certificates`),
 * and a hostile target half that leaves traps in the drop dir for the host. They are not rows
 * of the attempt table: the table's scripts run as the agent, after enforcement, in a fixed
 * image; these attacks happen before the command exists. Judged by what the attacker got: the
 * files it dumped, the processes left in the container, what the host read.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureContextImage } from "../fixtures/busybox_image.ts";
import { ensureBusyboxImage } from "../fixtures/busybox_image.ts";
import type { DockerClient } from "../../src/docker/mod.ts";
import { assertNoContainers, leash, sandbox, sessionDir, setup } from "../e2e/_session.ts";

const { docker, image } = await setup();
globalThis.addEventListener("unload", () => docker.close());

/**
 * The CA tool as an attacker writes it: it hunts for the session nonce (its environment, every
 * process's environ), tries to write the host's enforcement.active, and leaves a process behind
 * in a new session, double-forked, that would run outside Landlock and the user drop.
 */
const EVIL_CA_TOOL = `#!/bin/sh
out="$ADV_WS/tool"
mkdir -p "$out"
env > "$out/env" 2>&1
for f in /proc/[0-9]*/environ; do cat "$f"; echo; done > "$out/environ-all" 2>"$out/environ.err"
cat /proc/1/cmdline /proc/1/environ > "$out/pid1" 2>&1
{ echo '{"protocol":1,"nonce":"forged","layers":[]}' > /leash/enforcement.active; } 2>"$out/forge.err" &&
  echo yes > "$out/forged"
echo "$(id -u)" > "$out/uid"
( busybox setsid sh -c 'leash_adv_leftover=1; while :; do sleep 1; done' </dev/null >/dev/null 2>&1 & ) &
sh -c 'leash_adv_leftover=2; while :; do sleep 1; done' </dev/null >/dev/null 2>&1 &
exit 0
`;

async function evilImage(docker: DockerClient): Promise<string> {
  const base = await ensureBusyboxImage(docker);
  return await ensureContextImage(docker, "leash-test-evil-ca", [
    { path: "Dockerfile", data: `FROM ${base}\nCOPY rootfs/ /\n` },
    { path: "rootfs", type: "directory" },
    { path: "rootfs/usr/sbin/update-ca-certificates", data: EVIL_CA_TOOL, mode: 0o755 },
  ]);
}

Deno.test("boot: a malicious CA tool never sees the nonce, cannot write enforcement.active, and nothing it starts survives", async () => {
  await using box = await sandbox();
  const evil = await evilImage(docker);
  // The command lists the processes it finds that the tool started (the pattern's brackets
  // keep the listing's own command line from matching).
  const r = await leash(box, [
    "run",
    "--image",
    evil,
    "-e",
    `ADV_WS=${box.workspace}`,
    "--",
    "sh",
    "-c",
    `for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f"; echo; done | grep 'leash_adv_[l]eftover'; echo "leftovers=$(for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f"; echo; done | grep -c 'leash_adv_[l]eftover')"`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const tool = join(box.workspace, "tool");
  assert.equal((await Deno.readTextFile(join(tool, "uid"))).trim(), "0", "the tool ran, as root");

  // The nonce, from the host's own marker (kept in the session dir).
  const active = JSON.parse(
    await Deno.readTextFile(join(sessionDir(box, r.session), "public", "enforcement.active")),
  );
  assert.ok(typeof active.nonce === "string" && active.nonce.length > 8);
  for (const dump of ["env", "environ-all", "pid1"]) {
    const text = await Deno.readTextFile(join(tool, dump));
    assert.ok(!text.includes(active.nonce), `the tool found the session nonce in ${dump}`);
  }

  // The host's marker is the host's: the tool's write was refused and changed nothing.
  assert.equal(await Deno.stat(join(tool, "forged")).then(() => true, () => false), false);
  assert.match(await Deno.readTextFile(join(tool, "forge.err")), /Read-only file system/);
  assert.notEqual(active.nonce, "forged");

  // Nothing the tool started is alive when the command runs.
  assert.match(r.stdout, /^leftovers=0$/m, r.stdout);
  await assertNoContainers(docker, r.session);
});

/** A fake leash-entry that announces itself properly, then leaves `trap` as bootstrap.ready. */
function hostileEntry(trap: string): string {
  return `cat /proc/self/cgroup | sed -n 's/^0:://p' > /leash/drop/cgroup-path
echo '{"protocol":1,"pid":1,"version":"0.1.0"}' > /leash/drop/leash-entry.ready
${trap}
exec sleep 600`;
}

const TRAPS: [string, string, RegExp][] = [
  // Blocked the host forever (Deno.readTextFile on a FIFO waits for a writer; the deadline
  // could not fire while it waited).
  ["fifo", "busybox mkfifo /leash/drop/bootstrap.ready", /is a FIFO, not a regular file/],
  // Pointed the host at its own files.
  ["symlink", "ln -s /etc/shadow /leash/drop/bootstrap.ready", /is a symbolic link/],
  // Unbounded read.
  [
    "huge",
    "head -c 300000 /dev/zero > /leash/drop/bootstrap.ready",
    /larger than 65536 bytes/,
  ],
  ["directory", "mkdir /leash/drop/bootstrap.ready", /is a directory/],
];

/**
 * Both session transports: bind mounts (the host reads the drop dir) and the archive one
 * forced on this engine (it reads the target's /leash/drop through the Engine API).
 */
const TRANSPORTS = [
  { label: "", env: {} },
  { label: " (archive transport)", env: { LEASH_SESSION_TRANSPORT: "archive" } },
];

for (const [name, trap, refusal] of TRAPS) {
  for (const transport of TRANSPORTS) {
    Deno.test(`boot: a ${name} as bootstrap.ready is refused by the host, which ends the session${transport.label}`, async () => {
      await using box = await sandbox();
      const entry = await box.script(`hostile-${name}`, hostileEntry(trap));
      const r = await leash(box, [
        "run",
        "--image",
        image,
        "--bootstrap-timeout",
        "600",
        "--",
        "true",
      ], {
        LEASH_ENTRY_BINARY: entry,
        ...transport.env,
      });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /Refusing to read ".*\/drop\/bootstrap.ready"/);
      assert.match(r.stderr, refusal);
      assert.doesNotMatch(r.stderr, /root:/, "nothing of the symlink's target is shown");
      await assertNoContainers(docker, r.session);
    });
  }
}

for (const transport of TRANSPORTS) {
  Deno.test(`boot: the target's root cannot write, replace or remount what the host wrote in /leash${transport.label}`, async () => {
    await using box = await sandbox();
    const r = await leash(box, [
      "run",
      "--image",
      image,
      "--",
      "sh",
      "-c",
      `for f in enforcement.active ca-cert.pem bin/leash-entry; do
       echo forged > /leash/$f && echo "wrote $f"
       mv /leash/$f /leash/$f.old 2>/dev/null && echo "moved $f"
       chmod 777 /leash/$f 2>/dev/null && echo "chmod $f"
     done
     touch /leash/new 2>/dev/null && echo "created new"
     mount -o remount,rw /leash 2>/dev/null && echo "remounted"
     mount -o remount,rw,bind /leash 2>/dev/null && echo "remounted bind"
     echo id=$(id -u) done`,
    ], transport.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^id=0 done$/m, "the command ran as root");
    assert.doesNotMatch(r.stdout, /wrote|moved|chmod|created|remounted/, r.stdout);
    const pub = join(sessionDir(box, r.session), "public");
    assert.doesNotMatch(await Deno.readTextFile(join(pub, "enforcement.active")), /forged/);
    assert.match(await Deno.readTextFile(join(pub, "ca-cert.pem")), /BEGIN CERTIFICATE/);
    assert.equal(await Deno.stat(join(pub, "new")).then(() => true, () => false), false);
    assert.equal((await Deno.stat(join(pub, "ca-cert.pem"))).mode! & 0o777, 0o644);
    await assertNoContainers(docker, r.session);
  });
}
