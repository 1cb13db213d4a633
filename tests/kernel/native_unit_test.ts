/**
 * Native unit tests of the helper's pure C pieces (the strict JSON reader of control
 * messages and enforcement.active, the cgroup path check, base64, relay headers, JSON escaping, SHA-256/HMAC and the bridge's challenge answer): tests/kernel/tools/helper_unit.c compiled against the helper's
 * own sources and run on the host.
 */
import assert from "node:assert/strict";
import { note } from "./note.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function hasGcc(): Promise<boolean> {
  try {
    return (await new Deno.Command("gcc", { args: ["--version"], stdout: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

const skip = (await hasGcc()) ? undefined : "gcc is not installed";
if (skip) note(`Native unit tests skipped: ${skip}`);

Deno.test({
  name:
    "helper C units: strict JSON reader (both roles), cgroup path, base64, relay headers, escaping, SHA-256/HMAC, relay challenge",
  ignore: skip !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "leash-unit-" });
    try {
      const h = `${ROOT}bpf/helper/`;
      const build = await new Deno.Command("gcc", {
        args: [
          "-O1",
          "-Wall",
          "-Wextra",
          "-Werror",
          "-std=gnu11",
          "-I",
          `${ROOT}bpf/include`,
          "-I",
          h,
          `${ROOT}tests/kernel/tools/helper_unit.c`,
          `${h}json.c`,
          `${h}json_get.c`,
          `${h}json_text.c`,
          `${h}entry_active.c`,
          `${h}cgroup_path.c`,
          `${h}relay_format.c`,
          `${h}kern_events.c`,
          `${h}sha256.c`,
          `${h}bridge_auth.c`,
          "-o",
          `${dir}/unit`,
          "-lbpf",
          "-lelf",
          "-lz",
        ],
        stderr: "piped",
      }).output();
      assert.ok(build.success, new TextDecoder().decode(build.stderr));
      const run = await new Deno.Command(`${dir}/unit`, { stdout: "piped" }).output();
      const out = new TextDecoder().decode(run.stdout).trim();
      assert.match(out, /^\d+ passed, 0 failed$/m, out);
      assert.equal(run.code, 0, out);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
