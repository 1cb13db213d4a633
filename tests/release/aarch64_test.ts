/**
 * The aarch64 release file (`leash-linux-aarch64`), built on this x86_64 machine: its launcher
 * and payload are checked byte for byte, it refuses this machine with one line naming the
 * supported ones, and the Deno runtime it carries runs `leash version` under
 * qemu-aarch64-static (user-mode emulation, explicitly: no binfmt) from the tree its own
 * launcher extracted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { elfArchitecture } from "../../src/manager/mod.ts";
import { sha256Hex } from "../../src/assets.ts";
import { note } from "../kernel/note.ts";
import {
  cacheDir,
  cannotRun,
  cloneSha256,
  freshUser,
  releaseFile,
  runOffline,
} from "./_release.ts";

const reason = await cannotRun();
const QEMU = "/usr/bin/qemu-aarch64-static";
const SYSROOT = "/usr/aarch64-linux-gnu";
const noQemu = !reason && !(await exists(QEMU))
  ? "qemu-aarch64-static is not installed (qemu-user-static)"
  : !reason && !(await exists(`${SYSROOT}/lib/ld-linux-aarch64.so.1`))
  ? `no aarch64 loader in ${SYSROOT} (libc6-arm64-cross)`
  : undefined;
const qemuCannot = reason || noQemu ? undefined : await qemuRunsDeno();
if (noQemu || qemuCannot) note(`aarch64 release run under qemu skipped: ${noQemu ?? qemuCannot}`);

/**
 * Whether qemu-user runs npm's aarch64 Deno at all: `deno eval` printing a value, given a
 * minute (a guard against a hang, not a measure: qemu-user 7.2 spins forever in Deno 2.9.6's
 * start-up, before its first thread). Undefined when it does, else why not.
 */
async function qemuRunsDeno(): Promise<string | undefined> {
  const deno = await armDeno();
  const child = new Deno.Command(QEMU, {
    args: ["-L", SYSROOT, deno, "eval", "console.log(6 * 7)"],
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const out = await child.output();
  clearTimeout(guard);
  return new TextDecoder().decode(out.stdout).trim() === "42"
    ? undefined
    : `${QEMU} did not run the aarch64 deno's \`deno eval\` (${
      out.signal === "SIGKILL" ? "no answer within a minute" : `exit ${out.code}`
    }): qemu-user cannot emulate this Deno here`;
}

/** The aarch64 deno the release carries (npm's @deno/linux-arm64-glibc, as scripts/release keeps it). */
async function armDeno(): Promise<string> {
  const file = await releaseFile("aarch64");
  const bytes = await Deno.readFile(file);
  const f = fields(bytes);
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "lrel-a64deno-" });
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  const x = await new Deno.Command("sh", {
    args: [
      "-c",
      `tail -c +$(($2 + 1)) "$1" | gzip -dc | tar -xf - -C "$3" deno`,
      "sh",
      file,
      f.payload_offset!,
      dir,
    ],
  }).output();
  if (!x.success) throw new Error(`Cannot unpack the deno of "${file}"`);
  return join(dir, "deno");
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** The launcher's fields (`name=value` lines before the payload). */
function fields(bytes: Uint8Array): Record<string, string> {
  const text = new TextDecoder().decode(bytes.subarray(0, 8192));
  return Object.fromEntries([...text.matchAll(/^(\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** A fake uname first on PATH, reporting `os arch` for the launcher's `uname -sm`. */
async function unameAs(dir: string, os: string, arch: string): Promise<string> {
  const bin = join(dir, "bin");
  await Deno.mkdir(bin, { recursive: true });
  await Deno.writeTextFile(
    join(bin, "uname"),
    `#!/bin/sh\ncase "$1" in -sm) echo ${os} ${arch} ;; *) exec /bin/uname "$@" ;; esac\n`,
    { mode: 0o755 },
  );
  return `${bin}:/usr/bin:/bin:/usr/sbin:/sbin`;
}

Deno.test({
  name: "aarch64 release file: launcher for aarch64, payload hash, runtime and both helpers inside",
  ignore: !!reason,
  async fn() {
    const file = await releaseFile("aarch64");
    const bytes = await Deno.readFile(file);
    const f = fields(bytes);
    assert.equal(f.target_arch, "aarch64");
    const offset = Number(f.payload_offset);
    assert.equal(bytes.length, offset + Number(f.payload_size));
    assert.equal(await sha256Hex(bytes.subarray(offset)), f.payload_sha256);
    // The .sha256 beside it is what users check the download with.
    const sum = await new Deno.Command("sha256sum", {
      args: ["-c", `${file.slice(file.lastIndexOf("/") + 1)}.sha256`],
      cwd: file.slice(0, file.lastIndexOf("/")),
      stdout: "piped",
    }).output();
    assert.ok(sum.success, new TextDecoder().decode(sum.stdout));
    for (const shell of ["dash", "bash"]) {
      const syntax = await new Deno.Command(shell, {
        args: ["-n", "/dev/stdin"],
        stdin: "piped",
        stderr: "piped",
      }).spawn();
      const w = syntax.stdin.getWriter();
      await w.write(bytes.subarray(0, offset));
      await w.close();
      const out = await syntax.output();
      assert.ok(out.success, `${shell} -n: ${new TextDecoder().decode(out.stderr)}`);
    }
    // Unpack the payload and look at what is inside.
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "lrel-a64-" });
    try {
      const x = await new Deno.Command("sh", {
        args: ["-c", `tail -c +${offset + 1} "$1" | gzip -dc | tar -xf - -C "$2"`, "sh", file, dir],
      }).output();
      assert.ok(x.success);
      const deno = await Deno.readFile(join(dir, "deno"));
      assert.equal(
        elfArchitecture(deno),
        "aarch64",
        "the runtime is npm's @deno/linux-arm64-glibc",
      );
      assert.equal(deno.length, Number(f.deno_size));
      const build = JSON.parse(await Deno.readTextFile(join(dir, "app/build.json")));
      assert.equal(build.kind, "self-extracting");
      assert.equal(build.target, "linux-aarch64");
      for (const arch of ["x86_64", "aarch64"]) {
        const inside = await sha256Hex(
          await Deno.readFile(join(dir, `app/bpf/dist/${arch}/leash-helper`)),
        );
        assert.equal(inside, await cloneSha256(`bpf/dist/${arch}/leash-helper`), `${arch} helper`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "aarch64 release file on this x86_64 machine: one line naming it and the supported ones",
  ignore: !!reason,
  async fn() {
    await using user = await freshUser(await releaseFile("aarch64"));
    const r = await runOffline(user, ["version"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      `leash: Cannot run on Linux ${Deno.build.arch}: this file is leash-linux-aarch64; supported: Linux x86_64 (leash-linux-x86_64), Linux aarch64 (leash-linux-aarch64)\n`,
    );
    assert.ok(!(await exists(cacheDir(user))), "nothing extracted");
  },
});

Deno.test({
  name: "aarch64 release file: its launcher extracts it and its deno runs leash version under qemu",
  ignore: !!reason || !!noQemu || !!qemuCannot,
  async fn() {
    await using user = await freshUser(await releaseFile("aarch64"));
    // On an aarch64 uname the launcher checks and extracts the payload, then its exec of the
    // aarch64 deno fails here (no binfmt): the tree is what an aarch64 host runs.
    const path = await unameAs(user.root, "Linux", "aarch64");
    const first = await runOffline(user, ["version"], { path });
    assert.notEqual(first.code, 0, "an aarch64 deno does not run natively here");
    const hash = fields(await Deno.readFile(user.leash)).payload_sha256!;
    const tree = join(cacheDir(user), hash);
    assert.ok(await exists(join(tree, ".complete")), first.stderr);
    // The launcher's run(), through qemu-aarch64-static, offline.
    const launcher = new TextDecoder().decode((await Deno.readFile(user.leash)).subarray(0, 8192));
    assert.match(launcher, /exec "\$dir\/deno" run \\\n/);
    const out = await new Deno.Command("unshare", {
      args: [
        "-n",
        QEMU,
        "-L",
        SYSROOT,
        join(tree, "deno"),
        "run",
        "--cached-only",
        "--no-prompt",
        "--quiet",
        "--config",
        join(tree, "app/deno.json"),
        "--lock",
        join(tree, "app/deno.lock"),
        "--frozen",
        "--allow-read",
        "--allow-write",
        "--allow-net",
        "--allow-env",
        "--allow-run",
        "--allow-sys",
        "--allow-ffi",
        join(tree, "app/main.ts"),
        "version",
      ],
      cwd: user.dir,
      clearEnv: true,
      env: {
        PATH: "/usr/bin:/bin",
        HOME: user.home,
        NO_COLOR: "1",
        DENO_DIR: join(tree, "deno_dir"),
        DENO_NO_UPDATE_CHECK: "1",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(stdout, /^leash \d+\.\d+\.\d+ \(deno 2\.9\.6\)$/m);
    assert.match(stdout, /^build: self-extracting, target linux-aarch64$/m);
    for (const arch of ["x86_64", "aarch64"]) {
      const sha = await cloneSha256(`bpf/dist/${arch}/leash-helper`);
      assert.match(stdout, new RegExp(`^ {2}leash-helper \\(${arch}\\) +sha256:${sha}$`, "m"));
    }
    assert.match(stdout, /^ {2}node-forge@1\.4\.3 +sha256:[0-9a-f]{64}$/m);
  },
});
