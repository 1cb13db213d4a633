import assert from "node:assert/strict";
import { managerConfig, SESSION_LABEL, targetConfig } from "./containers.ts";

const base = {
  image: "img",
  sessionId: "s1",
  command: ["sh", "-c", "echo 'a b' \"c\""],
  cwd: "/home/u/proj",
  publicDir: "/state/s1/public",
  publicBin: "/state/s1/public/bin",
  dropDir: "/state/s1/drop",
  volumes: ["/data:/data:ro"],
  env: ["FOO=bar"],
  nonce: "n0nce",
  bootstrapTimeoutS: 30,
  tty: false,
  openStdin: true,
};

Deno.test("targetConfig() runs leash-entry as root with the command untouched", () => {
  const c = targetConfig({ ...base, user: "1000:1000" });
  assert.deepEqual(c.Entrypoint, ["/leash/bin/leash-entry"]);
  assert.deepEqual(c.Cmd, base.command);
  assert.equal(c.User, "0:0");
  assert.equal(c.WorkingDir, "/home/u/proj");
  assert.ok(c.Env!.includes("LEASH_USER=1000:1000"));
  assert.ok(c.Env!.includes("LEASH_SESSION_NONCE=n0nce"));
  assert.ok(c.Env!.includes("https_proxy=http://127.0.0.1:3128"));
  assert.ok(c.Env!.includes("FOO=bar"));
  assert.equal(c.Labels![SESSION_LABEL], "s1");
  assert.equal(c.HostConfig!.NetworkMode, "none");
  assert.equal(c.HostConfig!.CgroupnsMode, "host");
  assert.ok(c.HostConfig!.CapDrop!.includes("NET_RAW"));
  assert.ok(c.HostConfig!.CapDrop!.includes("FOWNER"));
  assert.equal(c.HostConfig!.CapAdd, undefined);
  assert.deepEqual(c.HostConfig!.Binds, [
    "/home/u/proj:/home/u/proj",
    "/state/s1/public:/leash:ro",
    "/state/s1/public/bin:/leash/bin:ro",
    "/state/s1/drop:/leash/drop",
    "/data:/data:ro",
  ]);
});

Deno.test("targetConfig() stays root without a user and honours -w", () => {
  const c = targetConfig({ ...base, workdir: "/tmp" });
  assert.ok(!c.Env!.some((e) => e.startsWith("LEASH_USER=")));
  assert.equal(c.WorkingDir, "/tmp");
});

Deno.test("managerConfig() joins the target's netns and mounts only the socket dir", () => {
  const c = managerConfig({ image: "m", sessionId: "s1", target: "abc", socketDir: "/run/l/s1" });
  assert.equal(c.HostConfig!.NetworkMode, "container:abc");
  assert.ok(c.HostConfig!.Binds!.includes("/run/l/s1:/leash-sock"));
  assert.ok(!c.HostConfig!.Binds!.some((b) => b.includes("private")));
  assert.equal(c.HostConfig!.Privileged, undefined);
  assert.equal(c.Labels![SESSION_LABEL], "s1");
});

Deno.test("managerConfig() connects as a non-root owner with CAP_SETUID/SETGID added, root unchanged", () => {
  const options = { image: "m", sessionId: "s1", target: "abc", socketDir: "/run/l/s1" };
  const user = managerConfig({ ...options, socketOwner: { uid: 1001, gid: 1002 } });
  assert.deepEqual(user.Entrypoint!.slice(-2), ["--socket-owner", "1001:1002"]);
  assert.deepEqual(user.HostConfig!.CapAdd, [
    "BPF",
    "PERFMON",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SETUID",
    "SETGID",
  ]);
  assert.deepEqual(user.HostConfig!.CapDrop, ["ALL"]);
  for (
    const root of [
      managerConfig(options),
      managerConfig({ ...options, socketOwner: { uid: 0, gid: 0 } }),
    ]
  ) {
    assert.ok(!root.Entrypoint!.includes("--socket-owner"));
    assert.deepEqual(root.HostConfig!.CapAdd, ["BPF", "PERFMON", "SYS_ADMIN", "NET_ADMIN"]);
  }
});

Deno.test("targetConfig() carries containment mounts, LEASH_NOEXEC with CAP_SYS_ADMIN, and limits", () => {
  const c = targetConfig({
    ...base,
    containment: {
      tmpfs: { "/tmp": "rw,noexec" },
      mounts: [{ Type: "tmpfs", Target: "/home/u/proj/secret", ReadOnly: true }],
      capDrop: ["NET_RAW", "CHOWN"],
      noexecBinds: ["/home/u/proj", "/data"],
    },
    limits: { pids: 100, memoryBytes: 64 * 1024 * 1024, cpus: 0.5 },
  });
  assert.deepEqual(c.HostConfig!.Tmpfs, { "/tmp": "rw,noexec" });
  assert.equal(c.HostConfig!.Mounts!.length, 1);
  assert.deepEqual(c.HostConfig!.CapDrop, ["NET_RAW", "CHOWN"]);
  assert.deepEqual(c.HostConfig!.CapAdd, ["SYS_ADMIN"]);
  assert.ok(c.Env!.includes("LEASH_NOEXEC=/home/u/proj\n/data"));
  assert.equal(c.HostConfig!.PidsLimit, 100);
  assert.equal(c.HostConfig!.Memory, 64 * 1024 * 1024);
  assert.equal(c.HostConfig!.NanoCpus, 500_000_000);
});
