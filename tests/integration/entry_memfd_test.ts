/**
 * leash-entry's memfd guard against a real dockerd on this host's kernel: Landlock judges exec
 * by path and lets the kernel's internal inodes (memfds) through, so each way of running code
 * from a memfd is tried for real — first under Landlock alone (the hole), then under
 * leash-entry with the "landlock" layer (the guard) — and judged by whether the payload ran.
 */
import assert from "node:assert/strict";
import { DockerClient } from "../../src/docker/mod.ts";
import { parseBootstrapReady } from "../../src/boot/mod.ts";
import { encodeLandlockRules } from "../../src/landlock/mod.ts";
import { ensureBusyboxImage } from "../fixtures/busybox_image.ts";
import { derivedImage, EntryRun } from "./_entry_harness.ts";

const PROBE_SRC = new URL("./tools/memfdprobe.c", import.meta.url).pathname;

/** Exec from /bin only, as a policy that permits exec in the system bin dirs compiles to. */
const RULES = encodeLandlockRules({
  handle: ["read", "write", "exec"],
  rules: [
    { path: "/bin", access: ["read", "exec"] },
    { path: "/proc", access: ["read"] },
    { path: "/tmp", access: ["read", "write"] },
    { path: "/dev/null", access: ["read", "write"] },
  ],
});

const SHAPES = ["fexecve", "execveat", "procfd"] as const;

async function probeImage(docker: DockerClient): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "leash-memfd-" });
  try {
    const gcc = await new Deno.Command("gcc", {
      args: ["-static", "-O2", "-o", `${dir}/memfdprobe`, PROBE_SRC],
      stderr: "inherit",
    }).output();
    if (!gcc.success) throw new Error("Cannot build memfdprobe: gcc failed");
    const data = await Deno.readFile(`${dir}/memfdprobe`);
    return await derivedImage(docker, await ensureBusyboxImage(docker), [
      { path: "bin/memfdprobe", data, mode: 0o755 },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs one shell script of probes under leash-entry; resolves to stdout and bootstrap.ready. */
async function underEntry(docker: DockerClient, image: string, layers: string[], script: string) {
  await using run = await EntryRun.start(docker, {
    image,
    cmd: ["sh", "-c", script],
    files: layers.includes("landlock") ? { "landlock.rules": RULES } : {},
  });
  const ready = await run.waitForFile("bootstrap.ready");
  await run.activate(layers);
  const code = await run.exitCode();
  const { stdout, stderr } = await run.output();
  assert.equal(code, 0, stderr);
  parseBootstrapReady(ready, run.nonce);
  return { lines: stdout.trim().split("\n"), stderr, ready: JSON.parse(ready) };
}

/** One line per probe: "label: output". */
function script(probes: [string, string][]): string {
  return probes.map(([label, cmd]) => `echo "${label}: $( { ${cmd}; } 2>&1)"`).join("; ");
}

function results(lines: string[]): Map<string, string> {
  return new Map(lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]));
}

Deno.test("memfd code runs under Landlock alone, in every shape (the hole the guard closes)", async () => {
  using docker = await DockerClient.connect();
  const image = await probeImage(docker);
  const probes = SHAPES.map((s): [string, string] => [s, `memfdprobe --landlock ${s} cloexec`]);
  probes.push([
    "tmp-exec",
    "cp /bin/busybox /tmp/bb && memfdprobe --landlock fexecve-file /tmp/bb",
  ]);
  const { lines } = await underEntry(docker, image, ["netns"], script(probes));
  const got = results(lines);
  for (const shape of SHAPES) assert.equal(got.get(shape), "payload ran", shape);
  assert.equal(
    got.get("tmp-exec"),
    "error exec EACCES",
    "the probe's Landlock does hold for files",
  );
});

Deno.test("leash-entry's memfd guard: no executable memfd in any shape, sealed ones still work", async () => {
  using docker = await DockerClient.connect();
  const image = await probeImage(docker);
  const probes: [string, string][] = [];
  for (const shape of SHAPES) {
    for (const flags of ["none", "cloexec", "exec", "noexec-seal"]) {
      probes.push([`${shape}-${flags}`, `memfdprobe ${shape} ${flags}`]);
    }
  }
  probes.push(["fexecve-file", "memfdprobe fexecve-file /bin/busybox"]);
  probes.push(["tmp-exec", "cp /bin/busybox /tmp/bb && /tmp/bb true && echo ran"]);
  const { lines, stderr, ready } = await underEntry(
    docker,
    image,
    ["netns", "landlock"],
    script(probes),
  );
  const got = results(lines);
  assert.equal(ready.memfd_guard, "seccomp-noexec-seal", "this 6.18 kernel has MFD_NOEXEC_SEAL");
  assert.match(stderr, /memfd guard: seccomp-noexec-seal/);
  for (const shape of SHAPES) {
    assert.equal(got.get(`${shape}-none`), "error create ENOSYS", `${shape}-none`);
    assert.equal(got.get(`${shape}-cloexec`), "error create ENOSYS", `${shape}-cloexec`);
    assert.equal(got.get(`${shape}-exec`), "error create EACCES", `${shape}-exec`);
    /* a sealed memfd is created (callers that ask for it keep working) but never runs;
     * execveat(AT_EMPTY_PATH) itself is refused, fexecve falls back to /proc/self/fd */
    const refused = shape === "execveat" ? "error exec ENOSYS" : "error exec EACCES";
    assert.equal(got.get(`${shape}-noexec-seal`), refused, `${shape}-noexec-seal`);
  }
  for (const [label, out] of got) assert.doesNotMatch(out, /payload ran/, label);
  /* fexecve of a regular file the policy lets execute still works (libc falls back) */
  assert.equal(got.get("fexecve-file"), "fexecve-file ok");
  assert.match(got.get("tmp-exec")!, /Permission denied/);
});
