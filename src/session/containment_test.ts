import assert from "node:assert/strict";
import { compilePolicy } from "../policy/mod.ts";
import {
  containBinds,
  decideContainment,
  execDeniedBelow,
  type HostKind,
  renderExecGuards,
} from "./containment.ts";

const BASE = `
@id("ws") permit (principal, action == Action::"FileOpen", resource in Dir::"/home/u/p/");
@id("tmp") permit (principal, action == Action::"FileOpen", resource in Dir::"/tmp/");
@id("bin") permit (principal, action == Action::"ProcessExec", resource in Dir::"/usr/bin/");
`;

const HOST: Record<string, HostKind> = {
  "/home/u/p/secret": "dir",
  "/home/u/p/.env": "file",
  "/home/u/p/docs": "dir",
  "/home/u/p/link": "symlink",
  "/srv/data/keys": "dir",
};

function decide(policy: string, options: { mode?: "enforce" | "record"; volumes?: string[] } = {}) {
  return decideContainment({
    ir: compilePolicy(BASE + policy).ir,
    mode: options.mode ?? "enforce",
    binds: containBinds("/home/u/p", options.volumes ?? []),
    hostKind: (path) => Promise.resolve(HOST[path] ?? "missing"),
  });
}

Deno.test("decideContainment() makes scratch dirs and the workspace noexec when no exec is granted", async () => {
  const c = await decide("", { volumes: ["/srv/data:/data:ro"] });
  assert.deepEqual(Object.keys(c.tmpfs), ["/tmp", "/var/tmp"]);
  assert.match(c.tmpfs["/tmp"]!, /(^|,)noexec(,|$)/);
  assert.deepEqual(c.noexec, ["/dev/shm", "/tmp", "/var/tmp"]);
  assert.deepEqual(c.noexecBinds, ["/home/u/p", "/data"]);
  assert.deepEqual(c.execMounts, []);
  assert.ok(c.capDrop.includes("CHOWN") && c.capDrop.includes("FOWNER"));
  assert.ok(c.capDrop.includes("MKNOD") && c.capDrop.includes("FSETID"));
});

Deno.test("decideContainment() keeps exec where the policy grants it (npm test in the workspace)", async () => {
  const c = await decide(
    `@id("ws-exec") permit (principal, action == Action::"ProcessExec", resource in Dir::"/home/u/p/node_modules/");
@id("tmp-exec") permit (principal, action == Action::"ProcessExec", resource in Dir::"/tmp/build/");`,
  );
  assert.deepEqual(c.noexecBinds, []);
  assert.deepEqual(Object.keys(c.tmpfs), ["/var/tmp"]);
  assert.deepEqual(c.execMounts.map((m) => m.path).sort(), ["/home/u/p", "/tmp"]);
});

Deno.test("decideContainment() changes nothing but capabilities outside enforce mode", async () => {
  const c = await decide(
    `@id("no-secret") forbid (principal, action == Action::"FileOpen", resource in Dir::"/home/u/p/secret/");`,
    { mode: "record" },
  );
  assert.deepEqual(c.tmpfs, {});
  assert.deepEqual(c.mounts, []);
  assert.deepEqual(c.noexecBinds, []);
  assert.ok(c.capDrop.includes("FOWNER"));
});

Deno.test("decideContainment() masks forbidden subtrees inside binds that exist on the host", async () => {
  const c = await decide(
    `
@id("no-secret") forbid (principal, action == Action::"FileOpen", resource in Dir::"/home/u/p/secret/");
@id("no-env") forbid (principal, action == Action::"FileOpen", resource == File::"/home/u/p/.env");
@id("ro-docs") forbid (principal, action == Action::"FileOpenReadWrite", resource in Dir::"/home/u/p/docs/");
@id("no-link") forbid (principal, action == Action::"FileOpen", resource in Dir::"/home/u/p/link/");
@id("no-missing") forbid (principal, action == Action::"FileOpen", resource in Dir::"/home/u/p/gone/");
@id("no-keys") forbid (principal, action == Action::"FileOpen", resource in Dir::"/data/keys/");
@id("no-etc") forbid (principal, action == Action::"FileOpen", resource in Dir::"/etc/ssh/");
`,
    { volumes: ["/srv/data:/data"] },
  );
  const byTarget = Object.fromEntries(c.mounts.map((m) => [m.Target, m]));
  assert.deepEqual(Object.keys(byTarget).sort(), [
    "/data/keys",
    "/home/u/p/.env",
    "/home/u/p/docs",
    "/home/u/p/secret",
  ]);
  assert.equal(byTarget["/home/u/p/secret"]!.Type, "tmpfs");
  assert.equal(byTarget["/home/u/p/secret"]!.ReadOnly, true);
  assert.deepEqual(byTarget["/home/u/p/.env"], {
    Type: "bind",
    Source: "/dev/null",
    Target: "/home/u/p/.env",
    ReadOnly: true,
  });
  assert.deepEqual(byTarget["/home/u/p/docs"], {
    Type: "bind",
    Source: "/home/u/p/docs",
    Target: "/home/u/p/docs",
    ReadOnly: true,
  });
  assert.equal(byTarget["/data/keys"]!.Type, "tmpfs");
  assert.equal(c.warnings.length, 1);
  assert.match(c.warnings[0]!, /Cannot mask forbidden "\/home\/u\/p\/link": it is a symlink/);
});

Deno.test("decideContainment() masks the image's forbidden subtrees inside grants too, and tells Landlock what each mask covers", async () => {
  const c = await decideContainment({
    ir: compilePolicy(
      BASE + `
@id("home") permit (principal, action == Action::"FileOpen", resource in Dir::"/root/");
@id("no-ssh") forbid (principal, action == Action::"FileOpen", resource in Dir::"/root/.ssh/");
@id("no-secret") forbid (principal, action == Action::"FileOpen", resource in Dir::"/home/u/p/secret/");
@id("ro-docs") forbid (principal, action == Action::"FileOpenReadWrite", resource in Dir::"/home/u/p/docs/");
`,
    ).ir,
    mode: "enforce",
    binds: containBinds("/home/u/p", []),
    hostKind: (path) => Promise.resolve(HOST[path] ?? "missing"),
    imageKind: (path) =>
      Promise.resolve(path === "/root/.ssh" || path === "/root" ? "dir" : "missing"),
  });
  assert.deepEqual(c.masked, ["/home/u/p/docs", "/home/u/p/secret", "/root/.ssh"]);
  assert.deepEqual(c.landlockMasks, [
    { path: "/home/u/p/docs", hidden: false },
    { path: "/home/u/p/secret", hidden: true },
    { path: "/root/.ssh", hidden: true },
  ]);
  assert.equal(c.mounts.find((m) => m.Target === "/root/.ssh")?.Type, "tmpfs");
  const record = await decideContainment({
    ir: compilePolicy(BASE).ir,
    mode: "record",
    binds: containBinds("/home/u/p", []),
    hostKind: () => Promise.resolve("dir"),
    imageKind: () => Promise.reject(new Error("not asked outside enforce mode")),
  });
  assert.deepEqual(record.masked, []);
});

Deno.test("decideContainment() reports a host path it cannot stat instead of skipping it silently", async () => {
  const c = await decideContainment({
    ir: compilePolicy(
      BASE +
        `@id("no-secret") forbid (principal, action == Action::"FileOpen", resource in Dir::"/home/u/p/secret/");`,
    ).ir,
    mode: "enforce",
    binds: containBinds("/home/u/p", []),
    hostKind: () => Promise.reject(new Error('Cannot stat "/home/u/p/secret"')),
  });
  assert.deepEqual(c.mounts, []);
  assert.match(c.warnings[0]!, /Cannot mask forbidden "\/home\/u\/p\/secret": Cannot stat/);
});

Deno.test("execDeniedBelow() leaves out other mounts beneath the directory", () => {
  const { ir } = compilePolicy(
    BASE +
      `@id("x") permit (principal, action == Action::"ProcessExec", resource in Dir::"/tmp/ws/bin/");`,
  );
  assert.equal(execDeniedBelow(ir, "/tmp", []), false);
  assert.equal(execDeniedBelow(ir, "/tmp", ["/tmp/ws"]), true);
  assert.equal(execDeniedBelow(ir, "/usr/bin", []), false);
  assert.equal(execDeniedBelow(ir, "/home/u/p", []), true);
});

Deno.test("renderExecGuards() names every mount that keeps exec and the guards", () => {
  const line = renderExecGuards(
    {
      noexec: ["/dev/shm", "/tmp"],
      execMounts: [{ path: "/w", why: "the policy grants exec beneath it" }],
    },
    { memfd: "seccomp-noexec-seal", mappings: "off: kernel-lsm not loaded", landlock: true },
  );
  assert.equal(
    line,
    'noexec /dev/shm, /tmp; exec allowed on "/w" (the policy grants exec beneath it); file mappings not judged (off: kernel-lsm not loaded); memfd guard seccomp-noexec-seal',
  );
});
