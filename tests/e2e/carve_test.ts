/**
 * Carve-outs end to end: a policy that permits a home and forbids `~/.ssh/` (and `~/.aws/`,
 * which the image does not have) inside it. The command, as root and as the image's non-root
 * user, must be able to work in its home (list it, create files and directories there), while
 * the planted `~/.ssh/id_rsa` can be neither read nor replaced, whatever path, link, rename or
 * mount it tries; then it waits (reading stdin) while the test reads the target. Runs as root (e2e tier) and as a docker-group user (e2e-user tier), whose
 * leash cannot list the image's directories. Judged by what the command printed and, for
 * "replaced", by the file's content in the running target read through the engine (which
 * sees the container's own layer, not leash's mask).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readTar } from "../../src/docker/mod.ts";
import { AGENT, ensureCarveImage, PLANTED_KEY, PLANTED_TOKEN } from "./_carve_image.ts";
import { localEngineOnly } from "./_remote.ts";
import {
  assertNoContainers,
  leash,
  type Sandbox,
  sandbox,
  section,
  sessionEvents,
  sessionOf,
  setup,
} from "./_session.ts";

const { docker, image } = await setup(ensureCarveImage);
globalThis.addEventListener("unload", () => docker.close());

/** File and exec rules for a busybox image, the workspace, `home` read-write, `extra`. */
function policy(box: Sandbox, home: string, extra: string): string {
  return `
@id("ws") permit (principal, action == Action::"FileOpen", resource in Dir::"${box.workspace}/");
@id("home-rw") permit (principal, action == Action::"FileOpen", resource in Dir::"${home}/");
@id("sys-ro") permit (principal, action == Action::"FileOpenReadOnly", resource)
when { resource in [Dir::"/bin/", Dir::"/etc/", Dir::"/proc/", Dir::"/dev/", Dir::"/leash/"] };
@id("dev-rw") permit (principal, action == Action::"FileOpen", resource)
when { resource in [File::"/dev/null", File::"/dev/tty"] };
@id("bin-x") permit (principal, action == Action::"ProcessExec", resource)
when { resource in [Dir::"/bin/", Dir::"/leash/bin/"] };
${extra}`;
}

const FORBID_KEYS = (home: string) => `
@id("no-ssh") forbid (principal, action == Action::"FileOpen", resource in Dir::"${home}/.ssh/");
@id("no-aws") forbid (principal, action == Action::"FileOpen", resource in Dir::"${home}/.aws/");
`;

/**
 * The command: work in the home, then every attack on the forbidden paths, each in its own
 * section; then it tells the test it is done and waits for the test to read the target.
 */
const SCRIPT = `
exec 2>&1
cd ~
echo "<<ls"; ls -a ~; echo "ls>>"
echo "<<create"; echo made-file > ~/new.txt && cat ~/new.txt; mkdir ~/newdir && echo made-dir > ~/newdir/f && cat ~/newdir/f; echo "create>>"
echo "<<read"; cat ~/.ssh/id_rsa; echo "read>>"
echo "<<overwrite"; echo EVIL-OVERWRITE > ~/.ssh/id_rsa; cat ~/.ssh/id_rsa; echo "overwrite>>"
echo "<<unlink"; rm -f ~/.ssh/id_rsa; echo EVIL-UNLINK > ~/.ssh/id_rsa; cat ~/.ssh/id_rsa; echo "unlink>>"
echo "<<rename"; mv ~/.ssh ~/moved; cat ~/moved/id_rsa; mkdir -p ~/.ssh; echo EVIL-RENAME > ~/.ssh/id_rsa; cat ~/.ssh/id_rsa; echo "rename>>"
echo "<<rmrf"; rm -rf ~/.ssh; echo EVIL-RMRF > ~/.ssh/id_rsa; cat ~/.ssh/id_rsa; echo "rmrf>>"
echo "<<hardlink"; ln ~/.ssh/id_rsa ~/hard; cat ~/hard; echo "hardlink>>"
echo "<<symlink"; ln -s ~/.ssh/id_rsa ~/soft; cat ~/soft; ln -s ~/.ssh ~/sshdir; cat ~/sshdir/id_rsa; echo "symlink>>"
echo "<<proc"; cat /proc/self/root$HOME/.ssh/id_rsa; cat /proc/1/root$HOME/.ssh/id_rsa; cat $HOME/../$(basename $HOME)/.ssh/id_rsa; echo "proc>>"
echo "<<mount"; umount ~/.ssh; umount -l ~/.ssh; mount -t tmpfs none ~/newdir; cat ~/.ssh/id_rsa; echo "mount>>"
echo "<<later"; mkdir ~/.aws; echo EVIL-LATER > ~/.aws/credentials; cat ~/.aws/credentials; echo "later>>"
echo "<<after"; cat ~/.ssh/id_rsa; ls -a ~/.ssh; echo "after>>"
echo ATTACKS-DONE
read -r _ || true
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  session: string | undefined;
  /** The key file's content in the target's own layer after the attacks, read by the engine. */
  keyInTarget: string | undefined;
}

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Runs SCRIPT under `policyText`; reads `keyPath` of the running target once it is done. */
async function attack(
  box: Sandbox,
  policyText: string,
  keyPath: string,
  extra: string[],
): Promise<Run> {
  const file = join(box.root, "policy.cedar");
  await Deno.writeTextFile(file, policyText);
  const args = ["run", "--image", image, "--policy", file, ...extra, "--", "sh", "-c", SCRIPT];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", MAIN, ...args],
    cwd: box.workspace,
    env: box.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  const decoder = new TextDecoder();
  let stdout = "";
  let keyInTarget: string | undefined;
  const stdin = child.stdin.getWriter();
  try {
    // The command waits on stdin after the attacks: read the target's file while it runs.
    for await (const chunk of child.stdout) {
      stdout += decoder.decode(chunk, { stream: true });
      if (keyInTarget === undefined && /^ATTACKS-DONE$/m.test(stdout)) {
        const [target] = await docker.containers.list({
          filters: { label: ["leash.role=target", `leash.session=${await sessionId(box)}`] },
        });
        assert.ok(target, "the target runs while the command waits");
        const tar = readTar(await docker.containers.getArchive(target.Id, keyPath));
        keyInTarget = new TextDecoder().decode(tar.find((e) => e.type === "file")?.data);
        await stdin.close();
      }
    }
  } finally {
    await stdin.close().catch(() => {});
  }
  const { code } = await child.status;
  const stderr = await stderrText;
  return { code, stdout, stderr, session: sessionOf(stderr), keyInTarget };
}

async function sessionId(box: Sandbox): Promise<string> {
  for await (const e of Deno.readDir(join(box.env.XDG_STATE_HOME!, "leash", "sessions"))) {
    return e.name;
  }
  throw new Error("no session dir");
}

/** What every run must show: the home works, the key and planted token never leak or change. */
function assertCarved(r: Run, home: string): void {
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 0, out);
  assert.ok(!out.includes(PLANTED_KEY), `the planted key was printed:\n${out}`);
  assert.ok(!out.includes(PLANTED_TOKEN), `the planted token was printed:\n${out}`);
  const ls = section(r.stdout, "ls").split("\n");
  for (const name of [".profile", ".ssh", ".config"]) assert.ok(ls.includes(name), `ls ~: ${ls}`);
  assert.equal(section(r.stdout, "create"), "made-file\nmade-dir", "a new file and dir in ~");
  for (const name of ["overwrite", "unlink", "rename", "rmrf", "later"]) {
    const text = section(r.stdout, name);
    // The attacker's content never reads back from a forbidden path.
    assert.ok(!/^EVIL-[A-Z]+$/m.test(text), `${name}: ${text}`);
  }
  assert.doesNotMatch(section(r.stdout, "rename"), /^PLANTED/m);
  assert.equal(r.keyInTarget, `${PLANTED_KEY}\n`, `${home}/.ssh/id_rsa unchanged in the target`);
  assert.doesNotMatch(r.stderr, /landlock +degraded/, r.stderr);
}

const COPIED = localEngineOnly(
  "reads what the command wrote in the workspace back on this host; on a remote engine the workspace is a copy that is not copied back",
);

Deno.test(
  "carve: as root, ~ is usable while the forbidden ~/.ssh/id_rsa can be neither read nor replaced",
  async () => {
    await using box = await sandbox();
    const r = await attack(
      box,
      policy(box, "/root", FORBID_KEYS("/root")),
      "/root/.ssh/id_rsa",
      [],
    );
    assertCarved(r, "/root");
    assert.match(r.stderr, /masked \(forbidden\): .*"\/root\/\.ssh"/);
    // The attempt is audited as a deny naming the rule, though the mask answered ENOENT (the
    // observe layer's event; kernel-lsm's hook never sees an open of a file that is not there).
    const events = await sessionEvents(box, r.session);
    assert.ok(
      !/observe +active/.test(r.stderr) ||
        events.some((e) =>
          e.event === "file.open" && e.path === "/root/.ssh/id_rsa" && e.access === "read" &&
          e.decision === "deny" && e.rule === "no-ssh"
        ),
      JSON.stringify(events.filter((e) => `${e.path}`.includes(".ssh"))),
    );
    await assertNoContainers(docker, r.session);
  },
);

Deno.test("carve: as the image's non-root user, ~ is usable while the forbidden ~/.ssh/id_rsa can be neither read nor replaced", async () => {
  await using box = await sandbox();
  const r = await attack(
    box,
    policy(box, AGENT.home, FORBID_KEYS(AGENT.home)),
    `${AGENT.home}/.ssh/id_rsa`,
    ["--user", `${AGENT.uid}:${AGENT.uid}`, "-e", `HOME=${AGENT.home}`],
  );
  assertCarved(r, AGENT.home);
  assert.match(r.stderr, /masked \(forbidden\): .*"\/home\/agent\/\.ssh"/);
  await assertNoContainers(docker, r.session);
});

Deno.test("carve: a forbid two levels down in the image (~/.config/gh/) stays masked; its siblings stay writable", async () => {
  await using box = await sandbox();
  const extra = `
@id("no-gh") forbid (principal, action == Action::"FileOpen", resource in Dir::"/root/.config/gh/");
`;
  const file = join(box.root, "policy.cedar");
  await Deno.writeTextFile(file, policy(box, "/root", extra));
  const script = `
exec 2>&1
echo "<<read"; cat ~/.config/gh/hosts.yml; echo "read>>"
echo "<<rename"; mv ~/.config ~/c2; cat ~/c2/gh/hosts.yml; mkdir -p ~/.config/gh; echo EVIL-GH > ~/.config/gh/hosts.yml; cat ~/.config/gh/hosts.yml; echo "rename>>"
echo "<<sibling"; echo ok > ~/.config/other && cat ~/.config/other; echo "sibling>>"
`;
  const { code, stdout, stderr } = await leash(box, [
    "run",
    "--image",
    image,
    "--policy",
    file,
    "--",
    "sh",
    "-c",
    script,
  ]);
  assert.equal(code, 0, stderr);
  assert.ok(!stdout.includes(PLANTED_TOKEN), stdout);
  assert.ok(!/^EVIL-GH$/m.test(section(stdout, "rename")), section(stdout, "rename"));
  assert.match(stderr, /masked \(forbidden\): .*"\/root\/\.config\/gh"/);
  // Write stops at ~/.config (the mask's parent); the rest of ~ is granted child by child,
  // listed by leash (root) or by leash-entry in the target (a docker-group user's leash).
  assert.equal(section(stdout, "sibling"), "ok");
  await assertNoContainers(docker, sessionOf(stderr));
});

Deno.test(
  "carve: a forbid two levels down in the workspace cannot be made anew by renaming its parent away (judged on the host)",
  COPIED,
  async () => {
    await using box = await sandbox();
    const ws = box.workspace;
    await Deno.mkdir(join(ws, "sub", "secret"), { recursive: true });
    await Deno.writeTextFile(join(ws, "sub", "secret", "token"), `${PLANTED_TOKEN}\n`);
    await Deno.writeTextFile(join(ws, "sub", "notes.txt"), "notes\n");
    const extra = `
@id("no-secret") forbid (principal, action == Action::"FileOpen", resource in Dir::"${ws}/sub/secret/");
`;
    const file = join(box.root, "policy.cedar");
    await Deno.writeTextFile(file, policy(box, "/root", extra));
    const script = `
exec 2>&1
echo "<<read"; cat sub/secret/token; echo "read>>"
echo "<<rename"; mv sub sub2; cat sub2/secret/token; mkdir -p sub/secret; echo EVIL-WS > sub/secret/token; cat sub/secret/token; echo "rename>>"
echo "<<inner"; mv sub/secret sub/s2; rm -rf sub/secret; echo EVIL-WS > sub/secret/token; cat sub/secret/token; echo "inner>>"
echo "<<sibling"; echo more >> sub/notes.txt && echo ok > sub/new.txt && cat sub/new.txt; echo "sibling>>"
`;
    const { code, stdout, stderr } = await leash(box, [
      "run",
      "--image",
      image,
      "--policy",
      file,
      "--",
      "sh",
      "-c",
      script,
    ]);
    assert.equal(code, 0, stderr);
    assert.ok(!stdout.includes(PLANTED_TOKEN), stdout);
    for (const name of ["rename", "inner"]) {
      assert.ok(!/^EVIL-WS$/m.test(section(stdout, name)), section(stdout, name));
    }
    assert.equal(section(stdout, "sibling"), "ok", "the forbid's parent stays writable");
    // On the host: nothing was moved, the forbidden file is the planted one.
    assert.equal(await Deno.readTextFile(join(ws, "sub", "secret", "token")), `${PLANTED_TOKEN}\n`);
    assert.equal(await Deno.readTextFile(join(ws, "sub", "notes.txt")), "notes\nmore\n");
    assert.equal(await Deno.lstat(join(ws, "sub2")).then(() => true, () => false), false);
    await assertNoContainers(docker, sessionOf(stderr));
  },
);
