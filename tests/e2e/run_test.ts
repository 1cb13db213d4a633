/**
 * `leash run` end to end: the real CLI, the real dockerd, the real manager and leash-entry,
 * the busybox fixture image. Every test checks that no container of its session remains.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { collectOutput } from "../../src/docker/mod.ts";
import { note } from "../kernel/note.ts";
import {
  assertNoContainers,
  leash,
  sandbox,
  sessionContainers,
  sessionDir,
  sessionEvents,
  sessionOf,
  setup,
  spawnLeash,
} from "./_session.ts";
import { localEngineOnly } from "./_remote.ts";

const HOST_DIR = localEngineOnly(
  "mounts a host directory with -v, which a remote engine cannot see (refused by design)",
);
const TWO = localEngineOnly(
  "counts the session's containers as 2; the archive transport adds its stage and bridge (4)",
);
const STAGING = localEngineOnly(
  "SIGINT lands in the archive transport's staging phase (volumes, workspace copy), which the test does not name",
);

const { docker, image } = await setup();
globalThis.addEventListener("unload", () => docker.close());

Deno.test("leash run: exit status, stdout/stderr apart, argv untouched, cwd mounted, -e", async () => {
  await using box = await sandbox();
  await Deno.writeTextFile(join(box.workspace, "input.txt"), "from the host\n");
  const r = await leash(box, [
    "run",
    "--image",
    image,
    "-e",
    "GREETING=hello there",
    "--",
    "sh",
    "-c",
    'printf "%s|" "$@"; echo; pwd; cat input.txt; echo "$GREETING"; echo to-stderr >&2; exit 7',
    "argv0",
    "a b",
    "it's",
    '"quoted"',
    "",
    "$HOME",
  ]);
  assert.equal(r.code, 7, r.stderr);
  assert.equal(
    r.stdout,
    `a b|it's|"quoted"||$HOME|\n${box.workspace}\nfrom the host\nhello there\n`,
  );
  assert.match(r.stderr, /to-stderr/);
  assert.doesNotMatch(r.stdout, /to-stderr/);
  assert.match(r.stderr, /enforcement posture of this session/);
  assert.match(r.stderr, /events .*events\.ndjson/);
  await assertNoContainers(docker, r.session);
  const logs = join(sessionDir(box, r.session), "logs");
  const events = await sessionEvents(box, r.session);
  for (const kind of ["boot.staging", "boot.entry", "boot.hello", "boot.active", "boot.steady"]) {
    assert.ok(events.some((e) => e.event === kind), `events.ndjson has ${kind}`);
  }
  assert.match(await Deno.readTextFile(join(logs, "target.log")), /to-stderr/);
  assert.ok((await Deno.stat(join(logs, "manager.log"))).isFile);
});

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("leash run: the command's first instruction is already enforced (Landlock on this VM)", HOST_DIR, async () => {
  await using box = await sandbox();
  const outside = join(box.root, "outside");
  await Deno.mkdir(outside);
  await Deno.writeTextFile(join(outside, "secret.txt"), "top secret\n");
  const volume = ["-v", `${outside}:/outside`];
  // The very first action of the command is the forbidden read.
  const denied = await leash(box, [
    "run",
    "--image",
    image,
    ...volume,
    "--",
    "cat",
    "/outside/secret.txt",
  ]);
  assert.equal(denied.code, 1, denied.stderr);
  assert.match(denied.stderr, /Permission denied/);
  assert.doesNotMatch(denied.stdout, /top secret/);
  await assertNoContainers(docker, denied.session);
  // The observe layer reports what really happened: Landlock refused the read (errno 13).
  const read = (await sessionEvents(box, denied.session)).find((e) =>
    e.event === "file.open" && e.path === "/outside/secret.txt"
  );
  assert.ok(read, "events.ndjson has the forbidden read");
  assert.equal(read.layer, "observe");
  assert.equal(read.decision, "deny");
  assert.equal(read.would_deny, true);
  assert.equal(read.errno, 13);
  // The workspace is writable, system dirs are not, and a process cannot lift the ruleset.
  const r = await leash(box, [
    "run",
    "--image",
    image,
    "--",
    "sh",
    "-c",
    "echo made > made.txt; echo x > /etc/x 2>/dev/null; echo etc=$?; " +
    "sh -c 'cat /leash/../outside 2>/dev/null; echo nested=$?'",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /etc=1/);
  assert.match(r.stdout, /nested=1/);
  assert.equal(await Deno.readTextFile(join(box.workspace, "made.txt")), "made\n");
  await assertNoContainers(docker, r.session);
});

Deno.test("leash run: the CA key is nowhere in the target's filesystem or environment", async () => {
  await using box = await sandbox();
  // record mode: no Landlock, so the search can read every file the target can see.
  const r = await leash(box, [
    "run",
    "--image",
    image,
    "--mode",
    "record",
    "--",
    "sh",
    "-c",
    "env; find / \\( -path /proc -o -path /sys -o -path /dev \\) -prune -o -type f -print " +
    "| xargs grep -l 'PRIVATE KEY' 2>/dev/null; echo searched; ls /leash",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /searched/);
  assert.match(r.stdout, /ca-cert\.pem/);
  assert.match(r.stdout, /LEASH_|HTTP_PROXY=http:\/\/127\.0\.0\.1:3128/);
  assert.doesNotMatch(r.stdout, /PRIVATE KEY|ca-key/);
  const keyPem = await Deno.readTextFile(join(box.env.XDG_DATA_HOME!, "leash", "ca", "ca-key.pem"));
  const keyLine = keyPem.split("\n")[1]!;
  assert.ok(keyLine.length > 20);
  assert.ok(!r.stdout.includes(keyLine));
  await assertNoContainers(docker, r.session);
});

Deno.test("leash run: an image that is not present is never pulled", async () => {
  await using box = await sandbox();
  const r = await leash(box, ["run", "--image", "leash-no-such-image:1", "--", "true"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /image not found locally: build or load it/);
});

Deno.test("leash run: --require kernel-lsm fails at start-up on a host without BPF LSM", async () => {
  await using box = await sandbox();
  const r = await leash(box, ["run", "--image", image, "--require", "kernel-lsm", "--", "true"]);
  if (r.code === 0) {
    note("note: kernel-lsm is active on this host; --require succeeded");
    return;
  }
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /--require "kernel-lsm" not active: kernel-lsm: /);
  await assertNoContainers(docker, r.session);
});

Deno.test("leash run: an entrypoint without the BOOT protocol is a version mismatch, at once", async () => {
  await using box = await sandbox();
  const old = await box.script(
    "old-entry",
    `echo '{"pid":1,"version":"0.0.1"}' > /leash/drop/leash-entry.ready; exec sleep 600`,
  );
  const r = await leash(box, ["run", "--image", image, "--", "true"], { LEASH_ENTRY_BINARY: old });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /version mismatch: upgrade both halves/);
  await assertNoContainers(docker, r.session);
  const silent = await box.script("silent-entry", "exec sleep 600");
  const s = await leash(box, ["run", "--image", image, "--", "true"], {
    LEASH_ENTRY_BINARY: silent,
  });
  assert.equal(s.code, 1);
  assert.match(
    s.stderr,
    /did not write "leash-entry.ready".*version mismatch: upgrade both halves/,
  );
  await assertNoContainers(docker, s.session);
});

Deno.test("leash run: a bootstrap timeout names the phase and the likely cause", async () => {
  await using box = await sandbox();
  const stuck = await box.script(
    "stuck-entry",
    `cat /proc/self/cgroup | sed -n 's/^0:://p' > /leash/drop/cgroup-path
echo '{"protocol":1,"pid":1,"version":"0.1.0"}' > /leash/drop/leash-entry.ready
exec sleep 600`,
  );
  const r = await leash(box, ["run", "--image", image, "--bootstrap-timeout", "3", "--", "true"], {
    LEASH_ENTRY_BINARY: stuck,
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /bootstrap timeout after 3 s in phase "bootstrap"/);
  assert.match(r.stderr, /CA install/);
  await assertNoContainers(docker, r.session);
});

Deno.test("leash run: an entry failure reports its exit code, meaning and last output", async () => {
  await using box = await sandbox();
  const failing = await box.script(
    "failing-entry",
    `echo '{"protocol":1,"pid":1,"version":"0.1.0"}' > /leash/drop/leash-entry.ready
echo "leash-entry: update-ca-certificates: boom" >&2
exit 113`,
  );
  const r = await leash(box, ["run", "--image", image, "--", "true"], {
    LEASH_ENTRY_BINARY: failing,
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /target exited with status 113/);
  assert.match(r.stderr, /CA install failed/);
  assert.match(r.stderr, /boom/);
  await assertNoContainers(docker, r.session);
});

/** Spawns a long session and resolves once leash-entry starts its command. */
async function startLong(box: Awaited<ReturnType<typeof sandbox>>, env = {}) {
  const child = spawnLeash(box, ["run", "--image", image, "--", "sleep", "600"], env).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  while (!/leash-entry: enforcement active .*: starting "sleep"/.test(stderr)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`leash ended before the command started:\n${stderr}`);
    stderr += value;
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return stderr;
      stderr += value;
    }
  })();
  child.stdout.cancel();
  return { child, session: sessionOf(stderr)!, rest, stderr };
}

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("leash run: SIGTERM to leash tears the session down; the control UI stops listening", TWO, async () => {
  await using box = await sandbox();
  const { child, session, rest, stderr } = await startLong(box);
  assert.equal((await sessionContainers(docker, session)).length, 2);
  const port = Number(/control UI http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr)?.[1]);
  (await Deno.connect({ hostname: "127.0.0.1", port })).close();
  child.kill("SIGTERM");
  const status = await child.status;
  await rest;
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port }),
    Deno.errors.ConnectionRefused,
  );
  assert.notEqual(status.code, 0);
  await assertNoContainers(docker, session);
  const sockets = join(box.env.XDG_RUNTIME_DIR!, "leash", session);
  await assert.rejects(Deno.stat(sockets), Deno.errors.NotFound);
});

// deno-fmt-ignore: one line of options added for remote engines; the body stays as it was
Deno.test("leash run: SIGINT during boot tears down and says where it stopped", STAGING, async () => {
  await using box = await sandbox();
  const stuck = await box.script(
    "stuck-entry",
    `cat /proc/self/cgroup | sed -n 's/^0:://p' > /leash/drop/cgroup-path
echo '{"protocol":1,"pid":1,"version":"0.1.0"}' > /leash/drop/leash-entry.ready
exec sleep 600`,
  );
  const child = spawnLeash(box, ["run", "--image", image, "--", "true"], {
    LEASH_ENTRY_BINARY: stuck,
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  while (!/leash: session/.test(stderr)) stderr += (await reader.read()).value ?? "";
  const session = sessionOf(stderr)!;
  // Wait until both containers exist (the manager is created while the entry gets ready), then interrupt.
  while ((await sessionContainers(docker, session)).length < 2) {
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGINT");
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += value;
  }
  child.stdout.cancel();
  const status = await child.status;
  assert.equal(status.code, 1, stderr);
  assert.match(stderr, /interrupted by SIGINT during (entry|manager|bootstrap)/);
  await assertNoContainers(docker, session);
});

/** Upper bound for a wait that should finish; only guards against a hang, never asserted. */
const HANG_GUARD_MS = 120_000;

/** Waits (hang-guarded) for a container to stop; resolves to its exit status. */
async function exitOf(name: string): Promise<number> {
  const guard = AbortSignal.timeout(HANG_GUARD_MS);
  return (await docker.containers.wait(name, { signal: guard })).StatusCode;
}

/** A session's target.log as leash captured it. */
async function targetLog(box: Awaited<ReturnType<typeof sandbox>>, session: string) {
  return await Deno.readTextFile(join(sessionDir(box, session), "logs", "target.log"));
}

Deno.test("leash run: after SIGKILL of leash the target stops by itself and leash clean removes the rest", async () => {
  await using box = await sandbox();
  const { child, session, rest } = await startLong(box);
  child.kill("SIGKILL");
  await child.status;
  await rest;
  // The manager notices the closed control socket and exits; leash-entry notices the
  // closed lifeline and stops the target, with nobody left to ask it.
  assert.notEqual(await exitOf(`leash-${session}-manager`), 0);
  const target = `leash-${session}-target`;
  assert.equal(await exitOf(target), 120);
  const { stderr } = await collectOutput(await docker.containers.logs(target));
  assert.match(
    stderr,
    /leash-entry: Stopped the command: the lifeline to the manager closed .*killed every process in the container/,
  );
  const clean = await leash(box, ["clean"]);
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout, new RegExp(`removed container leash-${session}-target`));
  await assertNoContainers(docker, session);
});

Deno.test("leash run: when the manager dies mid-session the command dies and leash run names the manager's death", async () => {
  await using box = await sandbox();
  const { child, session, rest } = await startLong(box);
  await docker.containers.kill(`leash-${session}-manager`, "SIGKILL");
  const guard = setTimeout(() => child.kill("SIGKILL"), HANG_GUARD_MS);
  const status = await child.status;
  clearTimeout(guard);
  const stderr = await rest;
  assert.notEqual(status.code, 0, stderr);
  assert.match(
    stderr,
    /error: The session stopped: the manager exited with status 137 after enforcement started; .*the command was stopped \(fail closed\)/,
  );
  // leash-entry killed it (not leash's fallback): its line is in the target's log.
  assert.match(await targetLog(box, session), /the lifeline to the manager closed/);
  await assertNoContainers(docker, session);
});

Deno.test("leash run: egress goes through the relay to the host proxy, which applies the policy", async () => {
  await using box = await sandbox();
  const r = await leash(box, [
    "run",
    "--image",
    image,
    "--",
    "sh",
    "-c",
    "wget -O- http://example.com/ 2>&1; nslookup example.com 2>&1; ip -o link | cut -d: -f2",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /403 Forbidden/);
  assert.match(r.stdout, /NXDOMAIN/);
  assert.deepEqual(r.stdout.trim().split("\n").slice(-1).map((l) => l.trim()), ["lo"]);
  const events = await sessionEvents(box, r.session);
  assert.ok(
    events.some((e) =>
      e.event === "http.request" && e.host === "example.com" && e.decision === "deny"
    ),
  );
  assert.ok(events.some((e) => e.event === "dns.query" && e.decision === "deny"));
  await assertNoContainers(docker, r.session);
});
