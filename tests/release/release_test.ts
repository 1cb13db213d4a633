/**
 * The self-extracting release file, proven as a user would use it: a copy alone in an empty
 * directory, an empty HOME, no Deno, no npm cache, no network (issue 14, part 4).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dockerAnswers } from "../fixtures/docker.ts";
import { ensureBusyboxImage } from "../fixtures/busybox_image.ts";
import { DockerClient } from "../../src/docker/mod.ts";
import { note } from "../kernel/note.ts";
import {
  cacheDir,
  cannotRun,
  cloneSha256,
  freshUser,
  KIND,
  releaseFile,
  runOffline,
  spawnOffline,
} from "./_release.ts";

const reason = await cannotRun();
if (reason) note(`release tier skipped: ${reason}`);
const noDocker = reason ? undefined : !(await dockerAnswers());
if (noDocker) note("release session test skipped: no Docker engine answers");
const notLauncher = KIND === "compiled" ? "a deno compile build has no launcher" : undefined;
if (!reason && notLauncher) note(`release launcher tests skipped: ${notLauncher}`);

Deno.test({
  name: "release file, offline with an empty HOME: version names the build and the clone's hashes",
  ignore: !!reason,
  async fn() {
    await using user = await freshUser();
    const text = await runOffline(user, ["version"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^leash \d+\.\d+\.\d+ \(deno 2\.9\.6\)$/m);
    assert.match(text.stdout, new RegExp(`^build: ${KIND}, target linux-x86_64$`, "m"));
    // The helper of every architecture, the engine's goes into the manager image.
    const helper = await cloneSha256("bpf/dist/x86_64/leash-helper");
    const armHelper = await cloneSha256("bpf/dist/aarch64/leash-helper");
    assert.match(text.stdout, new RegExp(`^ {2}leash-helper \\(x86_64\\) +sha256:${helper}$`, "m"));
    assert.match(
      text.stdout,
      new RegExp(`^ {2}leash-helper \\(aarch64\\) +sha256:${armHelper}$`, "m"),
    );
    const json = await runOffline(user, ["version", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const v = JSON.parse(json.stdout);
    assert.deepEqual(v.build, { kind: KIND, target: "linux-x86_64" });
    assert.deepEqual(
      v.assets.map((
        a: { name: string; arch: string; sha256: string },
      ) => [a.name, a.arch, a.sha256]),
      [
        ["leash-helper", "x86_64", helper],
        ["leash-helper", "aarch64", armHelper],
      ],
    );
    // main.ts's npm dependencies, each with a hash; the tests' playwright-core is not carried.
    const names = v.npm.map((d: { name: string }) => d.name);
    assert.deepEqual(names, ["@cedar-policy/cedar-wasm@4.13.0", "node-forge@1.4.3"]);
    for (const d of v.npm) assert.match(d.sha256, /^[0-9a-f]{64}$/);
    // Nothing outside the cache dir: no .tools, no Deno cache of the user's own.
    const inHome = [];
    for await (const e of Deno.readDir(user.home)) inHome.push(e.name);
    assert.deepEqual(inHome.filter((n) => n !== ".cache" && n !== ".local"), []);
  },
});

Deno.test({
  name: "release file, offline: doctor --json and policy check succeed",
  ignore: !!reason,
  async fn() {
    await using user = await freshUser();
    await Deno.writeTextFile(
      join(user.dir, "p.cedar"),
      '@id("etc")\npermit (principal, action == Action::"FileOpenReadOnly", resource in Dir::"/etc/");\n' +
        '@id("no-ssh")\nforbid (principal, action == Action::"FileOpen", resource in Dir::"/root/.ssh/");\n',
    );
    const check = await runOffline(user, ["policy", "check", "p.cedar"]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /^p\.cedar: ok, 2 rules \(1 permit, 1 forbid\)$/m);
    const doctor = await runOffline(user, ["doctor", "--json"]);
    if (noDocker) {
      assert.notEqual(doctor.code, 0);
      return;
    }
    assert.equal(doctor.code, 0, doctor.stderr);
    const report = JSON.parse(doctor.stdout);
    assert.equal(report.schema, 1);
    assert.equal(report.layers.netns.status, "active");
    assert.equal(report.layers.proxy.status, "active");
  },
});

Deno.test({
  name:
    "release file, offline: a real session runs the command and enforces a deny on the host's files",
  ignore: !!reason || !!noDocker,
  async fn() {
    const docker = await DockerClient.connect();
    const image = await ensureBusyboxImage(docker).finally(() => docker.close());
    await using user = await freshUser();
    const outside = join(user.root, "outside");
    await Deno.mkdir(outside);
    await Deno.writeTextFile(join(outside, "secret.txt"), "top secret\n");
    const r = await runOffline(user, [
      "run",
      "--image",
      image,
      "-v",
      `${outside}:/outside`,
      "--",
      "sh",
      "-c",
      "echo made > made.txt; cat /outside/secret.txt; echo cat=$?; echo pwned > /outside/new.txt; echo write=$?",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /enforcement posture of this session/);
    assert.doesNotMatch(r.stdout, /top secret/);
    assert.match(r.stdout, /^cat=1$/m);
    assert.match(r.stdout, /^write=1$/m);
    // Judged on the host: the workspace write landed, the write outside did not.
    assert.equal(await Deno.readTextFile(join(user.dir, "made.txt")), "made\n");
    await assert.rejects(Deno.stat(join(outside, "new.txt")), Deno.errors.NotFound);
  },
});

Deno.test({
  name: "release file: two first runs at once both succeed and leave one extracted tree",
  ignore: !!reason || !!notLauncher,
  async fn() {
    await using user = await freshUser();
    const [a, b] = await Promise.all(
      [spawnOffline(user, ["version"]), spawnOffline(user, ["version"])].map((p) => p.output()),
    );
    const decoder = new TextDecoder();
    assert.equal(a!.code, 0, decoder.decode(a!.stderr));
    assert.equal(b!.code, 0, decoder.decode(b!.stderr));
    assert.equal(decoder.decode(a!.stdout), decoder.decode(b!.stdout));
    const entries = [];
    for await (const e of Deno.readDir(cacheDir(user))) entries.push(e);
    // One published link to one tree; the loser's temporary tree is gone.
    assert.equal(entries.filter((e) => e.isSymlink).length, 1, JSON.stringify(entries));
    assert.equal(entries.filter((e) => e.isDirectory).length, 1, JSON.stringify(entries));
  },
});

Deno.test({
  name: "release file: a damaged extraction is detected and extracted again",
  ignore: !!reason || !!notLauncher,
  async fn() {
    await using user = await freshUser();
    assert.equal((await runOffline(user, ["version"])).code, 0);
    const link = [];
    for await (const e of Deno.readDir(cacheDir(user))) if (e.isSymlink) link.push(e.name);
    const deno = join(cacheDir(user), link[0]!, "deno");
    const size = (await Deno.stat(deno)).size;
    await Deno.truncate(deno, 1000);
    const again = await runOffline(user, ["version"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await Deno.stat(deno)).size, size);
  },
});

Deno.test({
  name: "release file: a first run removes trees of killed extractions older than an hour",
  ignore: !!reason || !!notLauncher,
  async fn() {
    await using user = await freshUser();
    const head = new TextDecoder().decode((await Deno.readFile(user.leash)).subarray(0, 4096));
    const hash = /^payload_sha256=([0-9a-f]{64})$/m.exec(head)?.[1];
    assert.ok(hash, "the launcher names its payload's hash");
    const base = cacheDir(user);
    await Deno.mkdir(join(base, `${hash}.d.killed1`, "root"), { recursive: true });
    await Deno.mkdir(join(base, `${hash}.d.running`, "root"), { recursive: true });
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await Deno.utime(join(base, `${hash}.d.killed1`), twoHoursAgo, twoHoursAgo);
    const r = await runOffline(user, ["version"]);
    assert.equal(r.code, 0, r.stderr);
    const left = [];
    for await (const e of Deno.readDir(base)) left.push(e.name);
    assert.ok(!left.includes(`${hash}.d.killed1`), left.join(" "));
    assert.ok(left.includes(`${hash}.d.running`), left.join(" "));
  },
});

Deno.test({
  name:
    "release file: a first run removes older versions' trees but the newest previous one and one in use",
  ignore: !!reason || !!notLauncher,
  async fn() {
    await using user = await freshUser();
    const base = cacheDir(user);
    await Deno.mkdir(base, { recursive: true });
    // Three earlier versions as the launcher publishes them: <sha> -> <sha>.d.X/root, each
    // extracted at another time (.complete's mtime), oldest first.
    const olds = ["a", "b", "c"].map((c) => c.repeat(64));
    for (const [i, sha] of olds.entries()) {
      const root = join(base, `${sha}.d.old${i}`, "root");
      await Deno.mkdir(root, { recursive: true });
      await Deno.writeTextFile(join(root, ".complete"), `${sha}\n`);
      await Deno.copyFile("/bin/sleep", join(root, "deno"));
      await Deno.chmod(join(root, "deno"), 0o755);
      const when = new Date(Date.now() - (3 - i) * 86400_000);
      await Deno.utime(join(root, ".complete"), when, when);
      await Deno.symlink(`${sha}.d.old${i}/root`, join(base, sha));
    }
    // The oldest but one is in use: a process runs its deno (here a copy of sleep).
    const running = new Deno.Command(join(base, olds[1]!, "deno"), { args: ["600"] }).spawn();
    try {
      const r = await runOffline(user, ["version"]);
      assert.equal(r.code, 0, r.stderr);
      const left = new Set<string>();
      for await (const e of Deno.readDir(base)) left.add(e.name);
      assert.ok(!left.has(olds[0]!) && !left.has(`${olds[0]}.d.old0`), "the oldest is gone");
      assert.ok(left.has(olds[1]!) && left.has(`${olds[1]}.d.old1`), "the one in use stays");
      assert.ok(left.has(olds[2]!) && left.has(`${olds[2]}.d.old2`), "the previous one stays");
      // And this version's own tree, which the next run uses without extracting.
      const head = new TextDecoder().decode((await Deno.readFile(user.leash)).subarray(0, 4096));
      const hash = /^payload_sha256=([0-9a-f]{64})$/m.exec(head)?.[1];
      assert.ok(hash && left.has(hash), [...left].join(" "));
      assert.equal(left.size, 6, [...left].join(" "));
    } finally {
      running.kill("SIGKILL");
      await running.status;
    }
  },
});

Deno.test({
  name: "release file: a truncated file fails with one line and extracts nothing",
  ignore: !!reason || !!notLauncher,
  async fn() {
    await using user = await freshUser();
    const size = (await Deno.stat(user.leash)).size;
    await Deno.truncate(user.leash, Math.floor(size / 2));
    const r = await runOffline(user, ["version"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^leash: Cannot run "\.\/leash": it has \d+ bytes but the release has \d+: the file is truncated or damaged, download it again\n$/,
    );
  },
});

Deno.test({
  name: "release file: a payload with one byte changed is refused and nothing runs",
  ignore: !!reason || !!notLauncher,
  async fn() {
    await using user = await freshUser();
    const bytes = await Deno.readFile(user.leash);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0x01;
    await Deno.writeFile(user.leash, bytes);
    const r = await runOffline(user, ["version"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^leash: Refusing to run "\.\/leash": its payload's sha256 is [0-9a-f]{64}, not [0-9a-f]{64}: the file is damaged or was altered, download it again\n$/,
    );
    const left = [];
    for await (const e of Deno.readDir(cacheDir(user))) left.push(e.name);
    assert.deepEqual(left, []);
  },
});

Deno.test({
  name: "release file: an unwritable cache dir is named with LEASH_CACHE_DIR, which moves it",
  ignore: !!reason || !!notLauncher,
  async fn() {
    await using user = await freshUser();
    const r = await runOffline(user, ["version"], {
      env: { LEASH_CACHE_DIR: "/proc/leash-cache" },
    });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'leash: Cannot extract leash: the cache dir "/proc/leash-cache" is not writable; set LEASH_CACHE_DIR to a writable directory\n',
    );
    const moved = join(user.root, "elsewhere");
    const ok = await runOffline(user, ["version"], { env: { LEASH_CACHE_DIR: moved } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok((await Deno.stat(join(moved))).isDirectory);
  },
});

Deno.test({
  name: "release file: another OS or architecture is named with the supported ones",
  ignore: !!reason || !!notLauncher,
  async fn() {
    await using user = await freshUser();
    // A uname that reports another machine, first on PATH: the launcher's only source.
    const bin = join(user.root, "bin");
    await Deno.mkdir(bin);
    for (const [os, arch] of [["Darwin", "arm64"], ["Linux", "riscv64"]]) {
      await Deno.writeTextFile(
        join(bin, "uname"),
        `#!/bin/sh\ncase "$1" in -sm) echo ${os} ${arch} ;; *) exec /bin/uname "$@" ;; esac\n`,
        { mode: 0o755 },
      );
      const r = await runOffline(user, ["version"], {
        path: `${bin}:/usr/bin:/bin:/usr/sbin:/sbin`,
      });
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `leash: Cannot run on ${os} ${arch}: this file is leash-linux-x86_64; supported: Linux x86_64 (leash-linux-x86_64), Linux aarch64 (leash-linux-aarch64)\n`,
      );
    }
  },
});

Deno.test({
  name:
    "release file: its launcher is POSIX sh and the payload a gzip'd tar of deno, app, deno_dir",
  ignore: !!reason || !!notLauncher,
  async fn() {
    const file = await releaseFile();
    const bytes = await Deno.readFile(file);
    const text = new TextDecoder().decode(bytes.subarray(0, 8192));
    const offset = Number(/^payload_offset=(\d+)$/m.exec(text)?.[1]);
    assert.ok(offset > 0);
    const launcher = join(
      await Deno.makeTempDir({ dir: "/tmp", prefix: "lrel-sh-" }),
      "launcher.sh",
    );
    await Deno.writeFile(launcher, bytes.subarray(0, offset));
    for (const shell of ["dash", "bash"]) {
      const syntax = await new Deno.Command(shell, { args: ["-n", launcher] }).output();
      assert.ok(syntax.success, `${shell} -n: ${new TextDecoder().decode(syntax.stderr)}`);
    }
    await Deno.remove(launcher.slice(0, launcher.lastIndexOf("/")), { recursive: true });
    assert.deepEqual([...bytes.subarray(offset, offset + 2)], [0x1f, 0x8b]);
    const list = await new Deno.Command("sh", {
      args: ["-c", `tail -c +${offset + 1} "$1" | gzip -dc | tar -t`, "sh", file],
      stdout: "piped",
    }).output();
    assert.ok(list.success);
    const names = new TextDecoder().decode(list.stdout).split("\n");
    for (
      const name of [
        "deno",
        "app/main.ts",
        "app/build.json",
        "app/bpf/dist/x86_64/leash-helper",
        "app/bpf/dist/aarch64/leash-helper",
      ]
    ) {
      assert.ok(names.includes(name), `payload has ${name}`);
    }
    assert.ok(names.some((n) => n.startsWith("deno_dir/npm/registry.npmjs.org/node-forge/1.4.3/")));
    assert.ok(!names.some((n) => n.includes("playwright-core")));
  },
});

Deno.test({
  name: "release file, offline: leash agents show prints every preset's Cedar file it carries",
  ignore: !!reason,
  async fn() {
    await using user = await freshUser();
    for (const name of ["claude", "codex", "gemini", "opencode"]) {
      const ran = await runOffline(user, ["agents", "show", name]);
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stdout, new RegExp(`^@id\\("${name}-api"\\)$`, "m"));
    }
  },
});
