/**
 * kernel-lsm, cgroup-net and the helper against a real kernel with BPF LSM: Debian's
 * linux-image-amd64 under QEMU (scripts/kernel-vm/run). One boot runs every case of
 * vm/lsm_cases.sh; each test below asserts on one case's real syscall result or events.
 */
import assert from "node:assert/strict";
import { compilePolicy } from "../../src/policy/compile.ts";
import { encodeKernelMaps } from "../../src/native/kernel_maps.ts";
import { bootVm, VM_ARCH, type VmRun, vmUnavailable } from "./vm_harness.ts";
import { note } from "./note.ts";
import { mappingWorkload } from "./mapping_workload.ts";

const POLICY = `
@id("root-read")
permit (principal, action == Action::"FileOpenReadOnly", resource) when { resource in Dir::"/" };
@id("scratch-write")
permit (principal, action in [Action::"FileOpen", Action::"FileOpenReadWrite"], resource)
when { resource in [Dir::"/tmp/", Dir::"/dev/"] };
@id("work")
permit (principal, action in [Action::"FileOpen", Action::"FileOpenReadOnly", Action::"FileOpenReadWrite"], resource)
when { resource in Dir::"/work/" };
@id("secrets-ro")
forbid (principal, action == Action::"FileOpenReadWrite", resource) when { resource in Dir::"/work/secrets/" };
@id("no-passwd")
forbid (principal, action in [Action::"FileOpen", Action::"FileOpenReadOnly"], resource)
when { resource in File::"/etc/passwd" };
@id("exec-bin")
permit (principal, action == Action::"ProcessExec", resource) when { resource in [Dir::"/bin/", Dir::"/opt/"] };
@id("no-read-execonly")
forbid (principal, action in [Action::"FileOpen", Action::"FileOpenReadOnly"], resource)
when { resource in Dir::"/opt/execonly/" };
@id("no-denied")
forbid (principal, action == Action::"ProcessExec", resource) when { resource in Dir::"/opt/denied/" };
@id("no-testnet")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"192.0.2.0/24");
@id("no-doc6")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"2001:db8::/32");
@id("relay-v4")
permit (principal, action == Action::"NetworkConnect", resource in Host::"10.1.1.1");
@id("relay-v6")
permit (principal, action == Action::"NetworkConnect", resource in Host::"2001:db9::1");
`;

/** The update: the same policy without the secrets forbid. */
const POLICY_2 = POLICY.replace(/@id\("secrets-ro"\)\nforbid[^;]*;/, "");

const skip = vmUnavailable();
if (skip) note(`kernel VM tests skipped: ${skip}`);

let run: Promise<VmRun> | undefined;
function vm(): Promise<VmRun> {
  run ??= (async () => {
    const maps = encodeKernelMaps(compilePolicy(POLICY).ir, { generation: 1 });
    const maps2 = encodeKernelMaps(compilePolicy(POLICY_2).ir, { generation: 2 });
    const bad = maps.slice();
    bad[8] = 99; /* version 99 */
    const result = await bootVm(new URL("./vm/lsm_cases.sh", import.meta.url).pathname, {
      files: {
        "/maps.bin": maps,
        "/maps2.bin": maps2,
        "/bad.bin": bad,
        ...await mappingWorkload(),
      },
    });
    note(`kernel VM: boot + ${result.cases.size} cases in ${result.seconds.toFixed(1)} s`);
    for (const line of result.info) note(`  ${line}`);
    return result;
  })();
  return run;
}

async function kase(name: string) {
  const r = await vm();
  const c = r.cases.get(name);
  assert.ok(c, `case ${name} did not run; console tail:\n${r.console.slice(-3000)}`);
  return c;
}

function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name, ignore: skip !== undefined, sanitizeResources: false, sanitizeOps: false, fn });
}

const DENIED = /Permission denied/;

test(`VM: the kernel runs on ${VM_ARCH} (LEASH_VM_ARCH) with bpf among its LSMs`, async () => {
  const { info } = await vm();
  const boot = info.find((l) => l.startsWith("LEASH-BOOT "));
  assert.match(boot ?? "", new RegExp(` machine=${VM_ARCH} lsm=\\S*\\bbpf\\b`), info.join("\n"));
});

test("VM: the helper attaches every kernel-lsm and cgroup-net program", async () => {
  const { events } = await vm();
  const active = events.find((e) => e.event === "helper.active") as
    | { layers: Record<string, string> }
    | undefined;
  assert.ok(active, "helper.active reported");
  assert.equal(active.layers["kernel-lsm"], "active");
  assert.equal(active.layers["cgroup-net"], "active");
  const programs = (active as unknown as { programs: { name: string; status: string }[] }).programs;
  for (const name of ["leash_mmap_file", "leash_file_mprotect"]) {
    assert.equal(programs.find((p) => p.name === name)?.status, "ok", name);
  }
});

test("VM: file read allowed, write denied in a forbidden subtree of a permitted tree", async () => {
  assert.equal((await kase("read_allowed")).out, "hello");
  assert.equal((await kase("read_allowed_in_forbidden_subtree")).out, "secret");
  const w = await kase("write_denied_in_forbidden_subtree");
  assert.notEqual(w.rc, 0);
  assert.match(w.out, DENIED);
  assert.equal((await kase("write_allowed")).out, "y");
});

test("VM: /etc/passwd is forbidden while /etc/passwd-x stays readable", async () => {
  assert.match((await kase("passwd_denied")).out, DENIED);
  assert.equal((await kase("passwd_x_allowed")).out, "other");
});

test("VM: rules hold for a path longer than 1,500 bytes", async () => {
  const { info } = await vm();
  const len = Number(info.find((l) => l.includes("long_path_bytes="))?.split("=")[1]);
  assert.ok(len > 1500, `long path is ${len} bytes`);
  assert.match((await kase("long_write_denied")).out, DENIED);
  assert.equal((await kase("long_read_allowed")).out, "long");
  assert.equal((await kase("long_write_allowed")).out, "done");
});

test("VM: exec denied by path prints Permission denied; allowed exec runs", async () => {
  const denied = await kase("exec_denied");
  assert.notEqual(denied.rc, 0);
  assert.match(denied.out, DENIED);
  assert.equal((await kase("exec_allowed")).out, "ran");
});

test("VM: an exec needs the exec permit only: the open of the binary is not a read", async () => {
  assert.equal((await kase("exec_without_read_allowed")).out, "ran");
  assert.match((await kase("read_of_execonly_denied")).out, DENIED);
});

test("VM: a path longer than bpf_d_path can resolve is denied, reported and counted", async () => {
  assert.equal((await kase("overlong_read_outside")).out, "over", "the fixture is readable");
  assert.equal((await kase("overlong_read_denied")).out, "error EACCES");
  const { events } = await vm();
  const ev = events.find((e) => e.event === "file.open" && e.path_unresolved === true);
  assert.ok(ev, "a file.open event for the unresolvable path");
  assert.equal(ev.decision, "deny");
  assert.equal(ev.errno, 36, "ENAMETOOLONG");
  const counts = events.filter((e) => e.event === "kernel.path_errors").map((e) => Number(e.count));
  assert.ok(
    counts.length > 0 && Math.max(...counts) > 0,
    `path errors reported: ${counts.join(",")}`,
  );
});

test("VM: the loader trick cannot map workspace code; the same command runs outside", async () => {
  assert.equal((await kase("dyn_allowed")).out, "dyn ran", "permitted libraries still map");
  assert.equal(
    (await kase("loader_trick_outside")).out,
    "payload ran",
    "the trick works unguarded",
  );
  const denied = await kase("loader_trick_denied");
  assert.notEqual(denied.rc, 0);
  assert.doesNotMatch(denied.out, /payload ran/);
  const { events } = await vm();
  const ev = events.find((e) =>
    e.event === "proc.exec" && e.via === "mmap" && e.path === "/work/payload"
  );
  assert.ok(ev, "a proc.exec event via mmap for the payload");
  assert.equal(ev.decision, "deny");
});

test("VM: LD_PRELOAD of a workspace library does not run its code", async () => {
  assert.match((await kase("preload_outside")).out, /^preload ran dyn ran$/);
  const out = (await kase("preload_denied")).out;
  assert.doesNotMatch(out, /preload ran/);
  assert.match(out, /dyn ran/, "the permitted program itself still runs");
});

test("VM: PROT_EXEC mappings of files need the exec permit; anonymous JIT memory does not", async () => {
  assert.equal((await kase("mmap_exec_allowed")).out, "mapped");
  assert.equal((await kase("mmap_exec_denied")).out, "error EACCES");
  assert.equal((await kase("mprotect_exec_denied")).out, "error EACCES");
  assert.equal((await kase("memfd_exec_denied")).out, "error EACCES");
  assert.equal((await kase("anon_exec_allowed")).out, "mapped");
});

test("VM: TCP connects to forbidden IPv4, v4-mapped and IPv6 prefixes get EPERM", async () => {
  assert.match((await kase("tcp4_denied")).out, /^error EPERM/);
  assert.match((await kase("tcp4_v4mapped_denied")).out, /^error EPERM/);
  assert.match((await kase("tcp6_denied")).out, /^error EPERM/);
});

test("VM: allowed TCP connects are redirected to the transparent relay port", async () => {
  assert.match((await kase("tcp4_redirected")).out, /^ok peer 127\.0\.0\.1:15001/);
  assert.match((await kase("tcp4_listener")).out, /accepted from 127\.0\.0\.1:/);
  assert.match((await kase("tcp6_redirected")).out, /^ok peer ::1:15001/);
  assert.match((await kase("tcp6_listener")).out, /accepted from ::1:/);
  const { events } = await vm();
  const port4 = Number((await kase("tcp4_listener")).out.split(":").pop());
  const port6 = Number((await kase("tcp6_listener")).out.split(":").pop());
  const orig = events.filter((e) => e.event === "helper.orig");
  assert.deepEqual(orig.find((e) => e.local_port === port4), {
    event: "helper.orig",
    found: true,
    local_port: port4,
    addr: "10.1.1.1",
    port: 80,
  }, "the relay can look up the original IPv4 destination by the client port");
  assert.equal(orig.find((e) => e.local_port === port6)?.addr, "2001:db9::1");
});

test("VM: DNS is redirected to 15053 and answers look like the resolver's", async () => {
  assert.equal((await kase("dns_redirected")).out, "reply from 8.8.8.8:53");
});

test("VM: other UDP, raw and packet sockets are refused", async () => {
  assert.match((await kase("udp_other_denied")).out, /^error EPERM/);
  assert.match((await kase("raw_denied")).out, /^error EPERM/);
  assert.match((await kase("packet_denied")).out, /^error EPERM/);
});

test("VM: processes outside the target cgroup are unaffected", async () => {
  assert.equal((await kase("outside_write_unaffected")).out, "wrote");
  assert.doesNotMatch((await kase("outside_tcp_unaffected")).out, /EPERM/);
  assert.equal((await kase("outside_exec_unaffected")).out, "ran");
});

test("VM: a child cgroup created after activation is governed", async () => {
  assert.match((await kase("child_write_denied")).out, DENIED);
  assert.match((await kase("child_exec_denied")).out, DENIED);
  assert.match((await kase("child_tcp_denied")).out, /^error EPERM/);
});

test("VM: shadow and record modes let denied calls through and report would_deny", async () => {
  assert.equal((await kase("shadow_write_passes")).out, "wrote");
  assert.equal((await kase("shadow_exec_passes")).out, "ran");
  assert.equal((await kase("record_write_passes")).out, "wrote");
  const { events } = await vm();
  const shadow = events.find((e) =>
    e.mode === "shadow" && e.event === "file.open" && e.path === "/work/secrets/key" &&
    e.would_deny === true
  );
  assert.ok(shadow, "a shadow would_deny event for the write");
  assert.equal(shadow.decision, "allow");
  assert.equal(shadow.rule, "secrets-ro");
});

test("VM: switching back to enforce at runtime denies again", async () => {
  assert.match((await kase("enforce_again_write_denied")).out, DENIED);
});

test("VM: a bad map image is refused and the policy in force stays", async () => {
  const { events } = await vm();
  assert.ok(
    events.some((e) => e.event === "helper.error" && /version 99/.test(String(e.message))),
    "helper.error names the bad version",
  );
  assert.match((await kase("bad_image_keeps_policy")).out, DENIED);
  assert.ok(
    events.some((e) => e.event === "helper.error" && /Unknown command/.test(String(e.message))),
  );
});

test("VM: a policy update applies atomically at runtime", async () => {
  assert.equal((await kase("updated_policy_write_passes")).out, "wrote");
  const { events } = await vm();
  assert.ok(events.some((e) => e.event === "helper.policy" && e.generation === 2 && e.slot === 1));
});

test("VM: events carry pid, exe, path, argv, address, decision and rule", async () => {
  const { events } = await vm();
  const write = events.find((e) =>
    e.event === "file.open" && e.decision === "deny" && e.path === "/work/secrets/key"
  );
  assert.ok(write, "file deny event");
  assert.equal(write.rule, "secrets-ro");
  assert.equal(write.layer, "kernel-lsm");
  assert.ok(typeof write.pid === "number" && write.pid > 1);
  const exec = events.find((e) =>
    e.event === "proc.exec" && e.decision === "deny" && e.path === "/opt/denied/hello.sh"
  );
  assert.ok(exec, "exec deny event");
  assert.equal(exec.rule, "no-denied");
  assert.deepEqual(exec.argv, ["/opt/denied/hello.sh"]);
  const connect = events.find((e) =>
    e.event === "net.connect" && e.decision === "deny" && e.addr === "192.0.2.7"
  );
  assert.ok(connect, "connect deny event");
  assert.equal(connect.port, 80);
  assert.equal(connect.rule, "no-testnet");
  const v6 = events.find((e) => e.event === "net.connect" && e.addr === "2001:db8::1");
  assert.ok(v6, "IPv6 connect event");
  const passwd = events.find((e) => e.event === "file.open" && e.path === "/etc/passwd-x");
  assert.equal(passwd, undefined, "allowed opens are not reported in enforce mode");
});

test("VM: ring buffer overflow raises the drop counter and it is reported", async () => {
  assert.equal((await kase("flood")).out, "flooded");
  const { events } = await vm();
  const drops = events.filter((e) => e.event === "kernel.drops").map((e) => Number(e.dropped));
  assert.ok(drops.length > 0 && Math.max(...drops) > 0, `drops reported: ${drops.join(",")}`);
});

test("VM: stdin EOF detaches everything (no enforcement left behind)", async () => {
  assert.equal((await kase("after_stop_write_passes")).out, "wrote");
  const { events } = await vm();
  assert.ok(events.some((e) => e.event === "helper.stopped"));
});
