import assert from "node:assert/strict";
import { runLeash } from "./_run_cli.ts";

Deno.test("leash run without a command is a usage error", async () => {
  const r = await runLeash(["run", "--image", "x"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Missing COMMAND/);
  assert.match(r.stderr, /Usage: leash run/);
});

Deno.test("leash run without an image says how to pick one", async () => {
  const r = await runLeash(["run", "--", "true"], { env: { LEASH_TARGET_IMAGE: "" } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /No target image: pass --image IMG or set LEASH_TARGET_IMAGE/);
});

Deno.test("leash run validates --mode, --require, --listen, --volume and the timeout", async () => {
  const cases: [string[], RegExp][] = [
    [["--mode", "audit"], /Invalid --mode "audit"/],
    [["--require", "kernel"], /Cannot require layer "kernel": unknown/],
    [["--listen", "nope"], /Invalid --listen "nope"/],
    [["-v", "relative:/x"], /Invalid --volume "relative:\/x"/],
    [["--bootstrap-timeout", "0"], /Invalid bootstrap timeout "0"/],
    [["--user", "root"], /Invalid --user "root"/],
  ];
  for (const [flags, message] of cases) {
    const r = await runLeash(["run", "--image", "x", ...flags, "--", "true"]);
    assert.equal(r.code, 2, `${flags.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

Deno.test("leash run refuses a LEASH_DISABLE_LAYERS it cannot honour, before any container", async () => {
  const cases: [string, RegExp][] = [
    ["proxy", /Invalid LEASH_DISABLE_LAYERS "proxy": layer "proxy" cannot be disabled/],
    ["cgroup", /Invalid LEASH_DISABLE_LAYERS "cgroup": unknown layer "cgroup"/],
    ["kernel-lsm,cgroup-net,observe", /keep at least one of kernel-lsm, cgroup-net, observe/],
  ];
  for (const [value, message] of cases) {
    const r = await runLeash(["run", "--image", "x", "--", "true"], {
      env: { LEASH_DISABLE_LAYERS: value },
    });
    assert.equal(r.code, 2, `${value}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

Deno.test("leash run refuses an unknown LEASH_SESSION_TRANSPORT with the choices, before any container", async () => {
  const r = await runLeash(["run", "--image", "x", "--", "true"], {
    env: { LEASH_SESSION_TRANSPORT: "tcp" },
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /Invalid LEASH_SESSION_TRANSPORT "tcp": use "bind-mount" .* or "archive"/);
});

Deno.test("leash run --help lists every flag", async () => {
  const r = await runLeash(["run", "--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--bootstrap-timeout SECONDS/);
  assert.match(r.stdout, /-I, --no-interactive/);
});

Deno.test("leash clean is listed in leash --help", async () => {
  const r = await runLeash(["--help"]);
  assert.match(r.stdout, /clean\s+Remove containers and sockets left by dead sessions/);
});
