/**
 * cgroup-net and observe on THIS host's kernel against a real Docker container
 * (--network none, busybox FROM scratch): the standalone manager runs on the host attached
 * to the container's cgroup v2 directory, and netprobe inside the container shows what the
 * kernel does. Also checks that `leash-helper probe` tells the truth about kernel-lsm.
 */
import assert from "node:assert/strict";
import { DockerClient } from "../../src/docker/mod.ts";
import { compilePolicy } from "../../src/policy/compile.ts";
import { encodeKernelMaps } from "../../src/native/kernel_maps.ts";
import { ensureBusyboxImage, TEST_LABELS } from "../fixtures/busybox_image.ts";
import { rootDockerSkip, sh } from "./manager_session.ts";
import { buildNetprobe } from "./vm_harness.ts";
import { note } from "./note.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const HELPER = `${ROOT}bpf/dist/${Deno.build.arch}/leash-helper`;

const POLICY = `
@id("root-read")
permit (principal, action == Action::"FileOpenReadOnly", resource) when { resource in Dir::"/" };
@id("no-testnet")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"192.0.2.0/24");
@id("named-ip")
permit (principal, action == Action::"NetworkConnect", resource in Host::"1.2.3.4:80");
`;

const skip = await rootDockerSkip("loading eBPF programs on the host needs root");
if (skip) note(`Docker cgroup tests skipped: ${skip}`);

/** The cgroup v2 directory of a pid, on a hybrid (…/unified) or pure v2 host. */
async function cgroupDir(pid: number): Promise<string> {
  const self = await Deno.readTextFile(`/proc/${pid}/cgroup`);
  const rel = self.split("\n").find((l) => l.startsWith("0::"))?.slice(3);
  assert.ok(rel, `pid ${pid} has a cgroup v2 entry`);
  const mounts = await Deno.readTextFile("/proc/self/mountinfo");
  const line = mounts.split("\n").find((l) => l.includes(" - cgroup2 "));
  assert.ok(line, "a cgroup2 mount");
  const mountPoint = line.split(" ")[4]!;
  return `${mountPoint}${rel}`;
}

/** Reads JSON lines from the helper until `pred` matches one. */
class Lines {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  all: Record<string, unknown>[] = [];
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }
  async until(pred: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (;;) {
      const found = this.all.find(pred);
      if (found) return found;
      const next = await this.#reader.read();
      if (next.done) throw new Error(`helper output ended; saw ${JSON.stringify(this.all)}`);
      this.#buffer += next.value;
      let nl;
      while ((nl = this.#buffer.indexOf("\n")) >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        if (line.startsWith("{")) this.all.push(JSON.parse(line));
      }
    }
  }
  async drain(): Promise<void> {
    while (!(await this.#reader.read()).done) { /* until EOF */ }
  }
}

Deno.test({
  name: "host: leash-helper probe reports kernel-lsm as the manager then finds it",
  ignore: skip !== undefined,
  fn: async () => {
    const probe = JSON.parse((await sh(HELPER, ["probe"])).out);
    assert.equal(probe.cgroup, "ok");
    assert.equal(probe.btf, true);
    note(`probe on this host: ${JSON.stringify(probe)}`);
    if (probe.lsm !== "ok") assert.match(probe.lsm, /^E[A-Z]+: (load|attach): /);
  },
});

Deno.test({
  name: "host: cgroup-net redirects, denies and records inside a real container",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    using docker = await DockerClient.connect();
    const image = await ensureBusyboxImage(docker);
    const name = `leash-test-kern-${crypto.randomUUID().slice(0, 8)}`;
    const tmp = await Deno.makeTempDir({ prefix: "leash-kern-" });
    let helper: Deno.ChildProcess | undefined;
    try {
      await buildNetprobe(`${tmp}/netprobe`);
      await Deno.writeFile(`${tmp}/maps.bin`, encodeKernelMaps(compilePolicy(POLICY).ir));
      const labels = Object.entries(TEST_LABELS).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
      const run = await sh("docker", [
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        name,
        ...labels,
        image,
        "sleep",
        "600",
      ]);
      assert.equal(run.code, 0, run.out);
      assert.equal(
        (await sh("docker", ["cp", `${tmp}/netprobe`, `${name}:/bin/netprobe`])).code,
        0,
      );
      const pid = Number((await sh("docker", ["inspect", "-f", "{{.State.Pid}}", name])).out);
      const cgroup = await cgroupDir(pid);

      helper = new Deno.Command(HELPER, {
        args: ["manager", "--standalone", "--cgroup", cgroup, "--maps", `${tmp}/maps.bin`],
        stdin: "piped",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const lines = new Lines(helper.stdout);
      const active = await lines.until((e) => e.event === "helper.active") as {
        layers: Record<string, string>;
      };
      assert.equal(active.layers["cgroup-net"], "active");
      const probe = JSON.parse((await sh(HELPER, ["probe"])).out);
      assert.equal(
        active.layers["kernel-lsm"] === "active",
        probe.lsm === "ok",
        "probe and manager agree",
      );

      const exec = (...args: string[]) => sh("docker", ["exec", name, ...args]);
      await exec("sh", "-c", "netprobe listen 127.0.0.1 15001 > /tmp/l4 2>&1 &");
      await exec("sh", "-c", "netprobe udp-echo 127.0.0.1 15053 > /tmp/u 2>&1 &");
      await new Promise((r) => setTimeout(r, 300));

      /* an address no rule and no DNS answer named is refused at connect (issue 9, class 8) */
      assert.match((await exec("netprobe", "tcp", "198.51.100.7", "443")).out, /^error EPERM/);
      assert.match((await exec("netprobe", "tcp", "2001:db8::7", "443")).out, /^error EPERM/);
      const unnamed = await lines.until((e) =>
        e.event === "net.connect" && e.addr === "198.51.100.7" && e.layer === "cgroup-net"
      );
      assert.equal(unnamed.decision, "deny");
      assert.equal(unnamed.unnamed, true);
      /* the IP rule names 1.2.3.4: redirected to the relay */
      assert.equal((await exec("netprobe", "tcp", "1.2.3.4", "80")).out, "ok peer 127.0.0.1:15001");
      const accepted = (await exec("cat", "/tmp/l4")).out;
      assert.match(accepted, /^accepted from 127\.0\.0\.1:\d+$/);
      const stdin = helper.stdin.getWriter();
      /* a DNS answer names an address (as the host's dst.permit does): redirected from then on */
      await stdin.write(new TextEncoder().encode("permit 60 198.51.100.7 2001:db8::7\n"));
      assert.equal((await lines.until((e) => e.event === "helper.permitted")).count, 2);
      await exec("sh", "-c", "netprobe listen 127.0.0.1 15001 > /tmp/l5 2>&1 &");
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(
        (await exec("netprobe", "tcp", "198.51.100.7", "443")).out,
        "ok peer 127.0.0.1:15001",
      );
      await stdin.write(new TextEncoder().encode(`orig 4 ${accepted.split(":").pop()}\n`));
      const orig = await lines.until((e) => e.event === "helper.orig");
      assert.equal(orig.addr, "1.2.3.4");
      assert.equal(orig.port, 80);

      assert.equal((await exec("netprobe", "dns", "8.8.8.8")).out, "reply from 8.8.8.8:53");
      assert.match((await exec("netprobe", "udp-send", "1.2.3.4", "9999")).out, /^error EPERM/);
      assert.match((await exec("netprobe", "tcp", "192.0.2.7", "443")).out, /^error EPERM/);
      assert.match((await exec("netprobe", "tcp", "2001:db8::1", "443")).out, /^error /);
      assert.match((await exec("netprobe", "raw")).out, /^error EPERM/);

      const denied = await lines.until((e) =>
        e.event === "net.connect" && e.addr === "192.0.2.7" && e.decision === "deny"
      );
      assert.equal(denied.rule, "no-testnet");
      assert.equal(denied.layer, "cgroup-net");
      const rewritten = await lines.until((e) =>
        e.event === "net.connect" && e.addr === "1.2.3.4" && e.layer === "cgroup-net"
      );
      assert.equal(rewritten.relay_port, 15001);
      if (active.layers["kernel-lsm"] !== "active") {
        /* the exec of "netprobe tcp 1.2.3.4 80" came before the denied connect awaited above */
        const observed = lines.all.find((e) =>
          e.event === "proc.exec" && e.layer === "observe" && Array.isArray(e.argv) &&
          e.argv.join(" ") === "netprobe tcp 1.2.3.4 80"
        );
        assert.ok(observed, "the observer reported the exec with its argv");
        /* the policy permits no exec: observers report would_deny but never block */
        assert.equal(observed.would_deny, true);
        assert.equal(observed.decision, "allow");

        /* observe events carry the syscall's real outcome: the connect cgroup-net refused */
        const refused = await lines.until((e) =>
          e.event === "net.connect" && e.layer === "observe" && e.addr === "192.0.2.7"
        );
        assert.equal(refused.errno, 1);
        assert.equal(refused.decision, "deny");
        assert.equal(refused.would_deny, true);

        /* an open the container's Unix permissions refuse (policy permits it: not ours) */
        await exec(
          "sh",
          "-c",
          "echo x > /tmp/locked && chmod 000 /tmp/locked && echo y > /tmp/open",
        );
        assert.notEqual(
          (await sh("docker", ["exec", "-u", "1000", name, "cat", "/tmp/locked"])).code,
          0,
        );
        assert.equal((await exec("cat", "/tmp/open")).out, "y");
        const locked = await lines.until((e) =>
          e.event === "file.open" && e.layer === "observe" && e.path === "/tmp/locked" &&
          e.errno !== undefined
        );
        assert.equal(locked.errno, 13);
        assert.equal(locked.decision, "deny");
        assert.equal(locked.would_deny, false);
        const opened = await lines.until((e) =>
          e.event === "file.open" && e.layer === "observe" && e.path === "/tmp/open" &&
          e.comm === "cat"
        );
        assert.equal(opened.errno, undefined);
        assert.equal(opened.decision, "allow");
        assert.equal(opened.would_deny, false);
      }

      await stdin.close(); /* EOF: the helper detaches everything */
      await lines.drain();
      assert.equal((await helper.status).code, 0);
      helper = undefined;
      const after = await exec("netprobe", "tcp", "1.2.3.4", "80");
      assert.doesNotMatch(
        after.out,
        /^ok/,
        "no redirect once detached (no route in --network none)",
      );
    } finally {
      if (helper) {
        helper.kill("SIGTERM");
        await helper.status;
      }
      await sh("docker", ["rm", "-f", name]);
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
