/**
 * The session's sockets and a non-root user (issue 12, DESIGN.md §7): the manager reaches the
 * user's private socket dir as its owner, nothing is widened to other local users, and a
 * manager that cannot reach its control socket is reported at once with the socket's mode,
 * owner and the fix, not at the bootstrap timeout. The e2e-user tier runs this file (with the
 * rest of tests/e2e) as a docker-group user; the root e2e tier runs it as root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { note } from "../kernel/note.ts";
import {
  assertNoContainers,
  sandbox,
  sessionContainers,
  sessionDir,
  sessionOf,
  setup,
  spawnLeash,
} from "./_session.ts";
import { localEngineOnly } from "./_remote.ts";

const SOCKETS = localEngineOnly(
  "the manager's unix sockets on this host (bind-mount transport); on a remote engine they are the bridge's",
);

const { docker, image } = await setup();
globalThis.addEventListener("unload", () => docker.close());

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const UNSHARE = "/usr/bin/unshare";

/** `leash run` from source without the UI, `extra` options, then `--`: the command follows. */
function leashRun(extra: string[]): string[] {
  const deno = [Deno.execPath(), "run", "--allow-all", "--quiet", MAIN];
  return [...deno, "run", "--listen", "", ...extra, "--image", image, "--"];
}
const userns = await canUnshare();
if (userns) note(`socket_owner_test: ${userns}: the user-namespace test is skipped`);
const NON_ROOT = Deno.uid() !== 0
  ? undefined
  : "this runs as root: the docker-group user's session runs in the e2e-user tier";
if (NON_ROOT) note(`socket_owner_test: ${NON_ROOT}`);

/** Why `unshare --user` cannot run here, or undefined. */
async function canUnshare(): Promise<string | undefined> {
  try {
    const r = await new Deno.Command(UNSHARE, {
      args: ["--user", "--map-user=4242", "--map-group=4242", "true"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (r.success) return undefined;
    return `unshare --user fails: ${new TextDecoder().decode(r.stderr).trim()}`;
  } catch (error) {
    return `${UNSHARE} is missing (util-linux): ${(error as Error).message}`;
  }
}

function octal(mode: number | null): string {
  return ((mode ?? 0) & 0o7777).toString(8).padStart(4, "0");
}

Deno.test({
  name:
    "leash run: a manager that cannot reach control.sock is reported at once, naming the socket, its mode and owner and the fix",
  ignore: userns !== undefined || SOCKETS.ignore,
}, async () => {
  await using box = await sandbox();
  // In a user namespace where this user is uid 4242, leash takes 4242 for the sockets' owner;
  // the engine, outside, sees the real owner, so the manager (fsuid 4242) is refused: the
  // failure a docker-group user had before the manager connected as the owner.
  const command = new Deno.Command(UNSHARE, {
    args: [
      "--user",
      "--map-user=4242",
      "--map-group=4242",
      ...leashRun(["--bootstrap-timeout", "300"]),
      "echo",
      "the command ran",
    ],
    cwd: box.workspace,
    env: box.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const output = await command.output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  const session = sessionOf(stderr);
  assert.equal(output.code, 1, stderr);
  assert.equal(stdout, "");
  assert.ok(session, stderr);
  const socket = join(box.env.XDG_RUNTIME_DIR!, "leash", session, "control.sock");
  // Not the 300 s timeout: the manager's death is the message, with the host's view of the socket.
  assert.doesNotMatch(stderr, /bootstrap timeout/);
  assert.ok(
    stderr.includes(
      `error: Cannot start the session: the manager cannot connect to its control socket "${socket}": Permission denied (socket mode 0600 owned by uid 4242 gid 4242, directory "${
        join(socket, "..")
      }" mode 0700 owned by uid 4242 gid 4242); the manager connected as uid 4242 gid 4242; fix: leash runs in a user namespace`,
    ),
    stderr,
  );
  // The manager's own line says the same (it is what the host read).
  const managerLog = await Deno.readTextFile(join(sessionDir(box, session), "logs", "manager.log"));
  assert.match(
    managerLog,
    /Cannot connect to control socket "\/leash-sock\/control\.sock": Permission denied \(as uid 4242 gid 4242; \/leash-sock is mode 0700 owned by \d+:\d+\)/,
  );
  await assertNoContainers(docker, session);
});

Deno.test({
  name:
    "leash run: a manager that cannot reach control.sock while leash-entry is not ready yet is explained the same way",
  ignore: userns !== undefined || SOCKETS.ignore,
}, async () => {
  await using box = await sandbox();
  // An entrypoint that takes its time: the manager's death is noticed in the entry phase.
  const entry = await box.script("slow-entry", "sleep 20");
  const output = await new Deno.Command(UNSHARE, {
    args: [
      "--user",
      "--map-user=4242",
      "--map-group=4242",
      ...leashRun([]),
      "true",
    ],
    cwd: box.workspace,
    env: { ...box.env, LEASH_ENTRY_BINARY: entry },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 1, stderr);
  assert.match(
    stderr,
    /error: Cannot start the session: the manager cannot connect to its control socket ".*\/control\.sock": Permission denied \(socket mode 0600 owned by uid 4242 gid 4242, .*; fix: leash runs in a user namespace/,
  );
  assert.doesNotMatch(stderr, /did not write "leash-entry\.ready"|version mismatch/);
  await assertNoContainers(docker, sessionOf(stderr));
});

Deno.test({
  name:
    "leash run: a socket dir the engine does not see (a private mount namespace) is named with the fix, within the manager's 1 s retry",
  ignore: userns !== undefined || SOCKETS.ignore,
}, async () => {
  await using box = await sandbox();
  const run = box.env.XDG_RUNTIME_DIR!;
  // dockerd creates the missing bind source (root's): under a dir of ours, so the sandbox can
  // still remove it when this is not root.
  await Deno.mkdir(join(run, "leash"), { mode: 0o700 });
  // leash's runtime dir is a tmpfs only this process tree sees; dockerd binds the path from
  // its own mount namespace, where it is an empty directory.
  const output = await new Deno.Command(UNSHARE, {
    args: [
      "--user",
      "--map-root-user",
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      'mount -t tmpfs -o mode=0700 tmpfs "$0" && exec "$@"',
      run,
      ...leashRun(["--bootstrap-timeout", "300"]),
      "true",
    ],
    cwd: box.workspace,
    env: box.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  const session = sessionOf(stderr);
  assert.equal(output.code, 1, stderr);
  assert.ok(session, stderr);
  assert.ok(
    stderr.includes(
      `error: Cannot start the session: the manager cannot connect to its control socket "${run}/leash/${session}/control.sock": No such file or directory (socket mode 0600 owned by uid 0 gid 0, directory "${run}/leash/${session}" mode 0700 owned by uid 0 gid 0); the manager connected as uid 0 gid 0; fix: the engine does not see this directory`,
    ),
    stderr,
  );
  assert.doesNotMatch(stderr, /bootstrap timeout/);
  await assertNoContainers(docker, session);
});

Deno.test({
  name:
    "leash run as a docker-group user: the manager reaches the sockets as their owner; the session's host files stay 0700/0600",
  ignore: NON_ROOT !== undefined,
}, async () => {
  await using box = await sandbox();
  const child = spawnLeash(box, ["run", "--image", image, "--", "sleep", "600"]).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  while (!/leash-entry: enforcement active .*: starting "sleep"/.test(stderr)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`leash ended before the command started:\n${stderr}`);
    stderr += value;
  }
  child.stdout.cancel();
  const session = sessionOf(stderr)!;
  try {
    const uid = Deno.uid();
    const sockets = join(box.env.XDG_RUNTIME_DIR!, "leash", session);
    const root = sessionDir(box, session);
    const expected: [string, string][] = [
      [join(box.env.XDG_RUNTIME_DIR!, "leash"), "0700"],
      [sockets, "0700"],
      [join(sockets, "control.sock"), "0600"],
      [join(sockets, "proxy.sock"), "0600"],
      [join(sockets, "dns.sock"), "0600"],
      [root, "0700"],
      [join(root, "logs"), "0700"],
      [join(root, "logs", "events.ndjson"), "0600"],
      [join(root, "ui-token"), "0600"],
    ];
    for (const [path, mode] of expected) {
      const stat = await Deno.lstat(path);
      assert.equal(`${path} ${octal(stat.mode)} uid ${stat.uid}`, `${path} ${mode} uid ${uid}`);
    }
    // Granted to exactly the manager container: its own capabilities and owner flag.
    const [manager] = (await sessionContainers(docker, session)).filter((n) =>
      n.endsWith("-manager")
    );
    assert.ok(manager, "the session's manager runs");
    const info = await docker.containers.inspect(manager);
    const gid = Deno.gid();
    assert.deepEqual(info.Config.Entrypoint?.slice(-2), ["--socket-owner", `${uid}:${gid}`]);
    assert.ok(info.HostConfig.CapAdd?.includes("SETUID"), JSON.stringify(info.HostConfig.CapAdd));
    const target = await docker.containers.inspect(`leash-${session}-target`);
    assert.ok(!(target.HostConfig.CapAdd ?? []).includes("SETUID"));
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await reader.cancel().catch(() => {});
  }
  await assertNoContainers(docker, session);
});
