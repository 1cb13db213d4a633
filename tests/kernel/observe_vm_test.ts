/**
 * The observe layer against a real kernel in the VM (scripts/kernel-vm/run; x86_64 in the kernel
 * tier, aarch64 in kernel-arm64): the helper without kernel-lsm reports the target's opens,
 * execs and connects at syscall exit, reading each syscall's number and arguments from the
 * registers of that architecture (bpf/progs/syscall_arch.h). Judged by the paths, argv,
 * addresses and errnos the events carry, which only a correct reading can produce.
 */
import assert from "node:assert/strict";
import { compilePolicy } from "../../src/policy/compile.ts";
import { encodeKernelMaps } from "../../src/native/kernel_maps.ts";
import { bootVm, VM_ARCH, type VmRun, vmUnavailable } from "./vm_harness.ts";
import { note } from "./note.ts";

const POLICY = `
@id("read-all")
permit (principal, action == Action::"FileOpenReadOnly", resource) when { resource in Dir::"/" };
@id("bin-exec")
permit (principal, action == Action::"ProcessExec", resource) when { resource in Dir::"/bin/" };
@id("no-testnet")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"192.0.2.0/24");
`;

const skip = vmUnavailable();
if (skip) note(`observe VM tests skipped: ${skip}`);

let run: Promise<VmRun> | undefined;
function vm(): Promise<VmRun> {
  run ??= (async () => {
    const result = await bootVm(new URL("./vm/observe_cases.sh", import.meta.url).pathname, {
      files: { "/maps.bin": encodeKernelMaps(compilePolicy(POLICY).ir, { generation: 1 }) },
    });
    note(
      `observe VM (${VM_ARCH}): boot + ${result.cases.size} cases in ${
        result.seconds.toFixed(1)
      } s`,
    );
    return result;
  })();
  return run;
}

type Event = Record<string, unknown>;

async function observed(match: (e: Event) => boolean, what: string): Promise<Event> {
  const r = await vm();
  const found = r.events.find((e) => e.layer === "observe" && match(e));
  assert.ok(found, `${what}; events:\n${r.events.map((e) => JSON.stringify(e)).join("\n")}`);
  return found;
}

function test(name: string, fn: () => Promise<void>) {
  Deno.test({
    name: `observe VM (${VM_ARCH}): ${name}`,
    ignore: skip !== undefined,
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });
}

test("kernel-lsm is off and the syscall observers are attached", async () => {
  const { events } = await vm();
  const active = events.find((e) => e.event === "helper.active") as
    | { layers: Record<string, string> }
    | undefined;
  assert.ok(active, "helper.active reported");
  assert.notEqual(active.layers["kernel-lsm"], "active");
  assert.equal(active.layers.observe, "active");
});

test("an open reports its path; a refused write open its errno", async () => {
  const { cases } = await vm();
  assert.equal(cases.get("read_ok")?.out, "hello");
  const read = await observed((e) => e.event === "file.open" && e.path === "/work/a.txt", "read");
  assert.equal(read.errno, undefined);
  assert.equal(read.decision, "allow");
  assert.equal(read.would_deny, false);
  assert.notEqual(cases.get("write_erofs")?.rc, 0);
  const write = await observed((e) => e.event === "file.open" && e.path === "/ro/f", "write");
  assert.equal(write.errno, 30, "EROFS, the kernel's answer");
  assert.equal(write.would_deny, true, "the policy grants no write: the flags were read");
});

test("an exec reports its argv and the policy's verdict; a failed one its path and errno", async () => {
  assert.equal((await vm()).cases.get("exec_argv")?.out, "ran one two");
  const exec = await observed(
    (e) => e.event === "proc.exec" && Array.isArray(e.argv) && e.argv[0] === "/opt/tools/hello.sh",
    "exec with argv",
  );
  assert.deepEqual(exec.argv, ["/opt/tools/hello.sh", "one", "two"]);
  assert.equal(exec.decision, "allow", "observers never block");
  assert.equal(exec.would_deny, true);
  const missing = await observed(
    (e) => e.event === "proc.exec" && e.path === "/opt/tools/missing",
    "failed exec",
  );
  assert.equal(missing.errno, 2);
});

test("a connect reports its address, port and the refusal's errno", async () => {
  assert.match((await vm()).cases.get("connect_denied")?.out ?? "", /^error EPERM/);
  const connect = await observed(
    (e) => e.event === "net.connect" && e.addr === "192.0.2.7",
    "connect",
  );
  assert.equal(connect.port, 80);
  assert.equal(connect.errno, 1);
  assert.equal(connect.decision, "deny");
  assert.equal(connect.would_deny, true);
});
