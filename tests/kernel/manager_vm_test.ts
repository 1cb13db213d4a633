/**
 * `leash-helper manager --control` in the kernel VM, where BPF LSM works: tests/kernel/tools/
 * ctlhost.c plays the host inside the VM, vm/control_cases.sh drives workloads in the
 * target cgroup. Proves that activate attaches kernel-lsm too, that the relay and DNS work
 * with it, that mode.set reaches the LSM programs, and that control EOF detaches all of it.
 */
import assert from "node:assert/strict";
import { compilePolicy } from "../../src/policy/compile.ts";
import { encodeKernelMaps } from "../../src/native/kernel_maps.ts";
import { bootVm, VM_CC, type VmRun, vmUnavailable } from "./vm_harness.ts";
import { note } from "./note.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

const POLICY = `
@id("read-all")
permit (principal, action == Action::"FileOpen", resource) when { resource in Dir::"/" };
@id("exec-bin")
permit (principal, action == Action::"ProcessExec", resource) when { resource in Dir::"/" };
@id("no-denied")
forbid (principal, action == Action::"ProcessExec", resource) when { resource in Dir::"/opt/denied/" };
@id("relay-v4")
permit (principal, action == Action::"NetworkConnect", resource in Host::"1.2.3.4");
@id("relay-v6")
permit (principal, action == Action::"NetworkConnect", resource in Host::"2001:db9::1");
@id("no-testnet")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"192.0.2.0/24");
`;

const skip = vmUnavailable();
if (skip) note(`manager VM tests skipped: ${skip}`);

async function buildStatic(source: string, out: string): Promise<Uint8Array> {
  const r = await new Deno.Command(VM_CC, {
    args: ["-static", "-O2", "-o", out, `${ROOT}tests/kernel/tools/${source}`],
  }).output();
  if (!r.success) throw new Error(`Cannot build ${source}: ${new TextDecoder().decode(r.stderr)}`);
  return await Deno.readFile(out);
}

function base64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

let run: Promise<VmRun> | undefined;
function vm(): Promise<VmRun> {
  run ??= (async () => {
    const tmp = await Deno.makeTempDir({ prefix: "leash-mvm-" });
    try {
      const activate = {
        type: "activate",
        cgroup: "/target",
        mode: "enforce",
        maps: base64(encodeKernelMaps(compilePolicy(POLICY).ir)),
        layers: ["kernel-lsm", "cgroup-net", "observe"],
        log_allow: false,
      };
      const result = await bootVm(new URL("./vm/control_cases.sh", import.meta.url).pathname, {
        files: {
          "/activate.json": `${JSON.stringify(activate)}\n`,
          "/bin/ctlhost": await buildStatic("ctlhost.c", `${tmp}/ctlhost`),
          "/bin/relayprobe": await buildStatic("relayprobe.c", `${tmp}/relayprobe`),
        },
      });
      note(`manager VM: boot + ${result.cases.size} cases in ${result.seconds.toFixed(1)} s`);
      return result;
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  })();
  return run;
}

async function kase(name: string) {
  const r = await vm();
  const c = r.cases.get(name);
  assert.ok(c, `case ${name} ran; console:\n${r.console.slice(-3000)}`);
  return c;
}

async function message(pred: (e: Record<string, unknown>) => boolean) {
  const found = (await vm()).events.find(pred);
  assert.ok(found, "the host received the expected message");
  return found;
}

Deno.test({
  name: "VM manager --control: activate attaches kernel-lsm, cgroup-net and observe",
  ignore: skip !== undefined,
  fn: async () => {
    const hello = await message((e) => e.type === "hello");
    assert.equal((hello.probe as Record<string, unknown>).lsm, "ok");
    const active = await message((e) => e.type === "active" || e.type === "error");
    assert.deepEqual(active.layers, { "kernel-lsm": "ok", "cgroup-net": "ok", observe: "ok" });
    assert.equal(active.exec_mappings, "ok", "PROT_EXEC mappings are judged");
  },
});

Deno.test({
  name: "VM manager --control: LSM decides execs, the relay and DNS carry traffic",
  ignore: skip !== undefined,
  fn: async () => {
    assert.equal((await kase("exec_allowed")).out, "hi");
    const denied = await kase("exec_denied");
    assert.notEqual(denied.rc, 0);
    assert.match(denied.out, /Permission denied/);
    assert.equal((await kase("tcp_relayed")).out, "got ping4");
    assert.equal((await kase("tcp6_relayed")).out, "got ping6");
    assert.match((await kase("tcp_forbidden")).out, /^error connect: Operation not permitted/);
    assert.match((await kase("dns_relayed")).out, /Address:\s+10\.11\.12\.13/);
    const relays = (await vm()).events.flatMap((e) =>
      e.relay ? [e.relay as Record<string, unknown>] : []
    );
    assert.ok(relays.some((r) => r.kind === "transparent" && r.dst === "1.2.3.4:80"));
    assert.ok(relays.some((r) => r.kind === "transparent" && r.dst === "[2001:db9::1]:443"));
    assert.ok(relays.some((r) => r.kind === "dns" && r.dst === "8.8.8.8:53"));
    const event = await message((e) =>
      e.type === "event" && (e.event as Record<string, unknown>).event === "proc.exec" &&
      (e.event as Record<string, unknown>).decision === "deny"
    );
    const ev = event.event as Record<string, unknown>;
    assert.equal(ev.layer, "kernel-lsm");
    assert.equal(ev.rule, "no-denied");
  },
});

Deno.test({
  name: "VM manager --control: mode.set reaches the LSM; control EOF detaches everything",
  ignore: skip !== undefined,
  fn: async () => {
    assert.equal((await kase("exec_record")).out, "ran");
    assert.notEqual((await kase("exec_enforce_again")).rc, 0);
    assert.notEqual((await kase("manager_exit")).rc, 0);
    assert.notEqual((await kase("tcp_after_close")).rc, 0, "no relay after control EOF");
    assert.equal((await kase("exec_after_close")).out, "ran", "LSM programs detached");
  },
});
