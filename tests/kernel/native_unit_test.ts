/**
 * Native unit tests of the helper's pure C pieces (the strict JSON reader of control
 * messages and enforcement.active, the cgroup path check, base64, relay headers, JSON escaping, SHA-256/HMAC and the bridge's challenge answer): tests/kernel/tools/helper_unit.c compiled against the helper's
 * own sources and run on the host, and the same built for aarch64 with Debian's cross gcc
 * and run under qemu-user-static (`qemu-aarch64-static`, explicitly: no binfmt needed).
 */
import assert from "node:assert/strict";
import { note } from "./note.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function runs(command: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

const H = `${ROOT}bpf/helper/`;
const SOURCES = [
  `${ROOT}tests/kernel/tools/helper_unit.c`,
  `${H}json.c`,
  `${H}json_get.c`,
  `${H}json_text.c`,
  `${H}entry_active.c`,
  `${H}cgroup_path.c`,
  `${H}relay_format.c`,
  `${H}kern_events.c`,
  `${H}sha256.c`,
  `${H}bridge_auth.c`,
];

/** Builds the unit binary with `cc` (extra flags first) and runs it through `runner` (if any). */
async function buildAndRun(cc: string, flags: string[], runner?: string): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "leash-unit-" });
  try {
    const build = await new Deno.Command(cc, {
      args: [
        ...flags,
        "-O1",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-std=gnu11",
        "-I",
        `${ROOT}bpf/include`,
        "-I",
        H,
        ...SOURCES,
        "-o",
        `${dir}/unit`,
        "-lbpf",
        "-lelf",
        "-lz",
      ],
      stderr: "piped",
    }).output();
    assert.ok(build.success, new TextDecoder().decode(build.stderr));
    const run = await new Deno.Command(runner ?? `${dir}/unit`, {
      args: runner ? [`${dir}/unit`] : [],
      stdout: "piped",
    }).output();
    const out = new TextDecoder().decode(run.stdout).trim();
    assert.match(out, /^\d+ passed, 0 failed$/m, out);
    assert.equal(run.code, 0, out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const skip = (await runs("gcc", ["--version"])) ? undefined : "gcc is not installed";
if (skip) note(`Native unit tests skipped: ${skip}`);

Deno.test({
  name:
    "helper C units: strict JSON reader (both roles), cgroup path, base64, relay headers, escaping, SHA-256/HMAC, relay challenge",
  ignore: skip !== undefined,
  fn: () => buildAndRun("gcc", []),
});

// The kernel tier installs both (scripts/test prepare); elsewhere the reason is printed.
const skipArm = !(await runs("aarch64-linux-gnu-gcc", ["--version"]))
  ? "aarch64-linux-gnu-gcc is not installed (gcc-aarch64-linux-gnu, libbpf-dev:arm64)"
  : !(await runs("qemu-aarch64-static", ["--version"]))
  ? "qemu-aarch64-static is not installed (qemu-user-static)"
  : undefined;
if (skipArm) note(`aarch64 native unit tests skipped: ${skipArm}`);

Deno.test({
  name: "helper C units built for aarch64 pass under qemu-aarch64-static",
  ignore: skipArm !== undefined,
  fn: async () => {
    // Static, so qemu-user needs no aarch64 loader or libraries.
    await buildAndRun("aarch64-linux-gnu-gcc", ["-static"], "qemu-aarch64-static");
  },
});
