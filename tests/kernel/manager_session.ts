/**
 * A leash session without leash: a `--network none` busybox target and a manager container
 * started exactly as leash starts them (manager image, host cgroup namespace, the target's
 * network namespace, the socket dir at /leash-sock), with a FakeHost as the host half.
 * Shared by the manager control tests and scripts/bench/relay.ts.
 */
import assert from "node:assert/strict";
import { collectOutput, type DockerClient } from "../../src/docker/mod.ts";
import { ensureManagerImage } from "../../src/manager/image.ts";
import { createManagerContainer } from "../../src/manager/container.ts";
import { encodeKernelMaps } from "../../src/native/kernel_maps.ts";
import { compilePolicy } from "../../src/policy/compile.ts";
import { encodeBase64 } from "../../src/boot/mod.ts";
import { managerConfig } from "../../src/session/containers.ts";
import { ensureBusyboxImage, TEST_LABELS } from "../fixtures/busybox_image.ts";
import { dockerAnswers } from "../fixtures/docker.ts";
import { type ControlMessage, FakeHost, type FakeHostOptions } from "./fake_host.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Why tests that load eBPF programs into real containers cannot run here (`notRoot` when
 * this is not root), or undefined when they can.
 */
export async function rootDockerSkip(notRoot: string): Promise<string | undefined> {
  if (Deno.uid() !== 0) return notRoot;
  if (!(await dockerAnswers())) return "dockerd does not answer at /var/run/docker.sock";
  return undefined;
}

/** `policy` compiled to kernel maps, base64 as the activate message carries them. */
export function encodedMaps(policy: string): string {
  return encodeBase64(encodeKernelMaps(compilePolicy(policy).ir));
}

/** Runs a command; resolves to its exit code and trimmed stdout+stderr. */
export async function sh(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const out = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  return { code: r.code, out: out.trim() };
}

/** Builds the static test client that drives half-closes and connection loops. */
export async function buildRelayprobe(out: string): Promise<void> {
  const r = await new Deno.Command("gcc", {
    args: ["-static", "-O2", "-o", out, `${ROOT}tests/kernel/tools/relayprobe.c`],
  }).output();
  if (!r.success) throw new Error(`Cannot build relayprobe: ${new TextDecoder().decode(r.stderr)}`);
}

/** The cgroup v2 path of a pid relative to the cgroup2 mount (what leash-entry reports). */
export async function cgroupPath(pid: number): Promise<string> {
  const self = await Deno.readTextFile(`/proc/${pid}/cgroup`);
  const rel = self.split("\n").find((l) => l.startsWith("0::"))?.slice(3);
  assert.ok(rel, `pid ${pid} has a cgroup v2 entry`);
  return rel;
}

/** A target and a manager container started the way leash starts them, with this test as host. */
export interface Session {
  docker: DockerClient;
  host: FakeHost;
  dir: string;
  target: string;
  manager: string;
  cgroup: string;
  /** The manager's first message (already taken from the host's queue). */
  hello: ControlMessage;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of {@linkcode startSession}. */
export interface SessionOptions extends FakeHostOptions {
  /**
   * Chown the socket dir (0700) and sockets (0600) to this uid/gid and start the manager with
   * `--socket-owner` (a non-root user's session). @default {root's}
   */
  socketOwner?: { uid: number; gid: number };
  /** Docker `Ulimits` of the manager container (e.g. a small `nofile`). @default Docker's */
  managerUlimits?: { Name: string; Soft: number; Hard: number }[];
}

/** Starts the target and the manager; resolves once the manager said hello. */
export async function startSession(
  docker: DockerClient,
  options: SessionOptions = {},
): Promise<Session> {
  const busybox = await ensureBusyboxImage(docker);
  const image = await ensureManagerImage(docker);
  const id = crypto.randomUUID().slice(0, 8);
  /* short: unix socket paths are limited to 107 bytes */
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "lm-" });
  const host = new FakeHost(dir, options);
  const containers: string[] = [];
  const dispose = async () => {
    for (const c of containers.reverse()) {
      await docker.containers.remove(c, { force: true }).catch(() => {});
    }
    await host.close();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    await buildRelayprobe(`${dir}/relayprobe`);
    const owner = options.socketOwner;
    if (owner) {
      for (const name of ["control.sock", "proxy.sock", "dns.sock"]) {
        await Deno.chmod(`${dir}/${name}`, 0o600);
        await Deno.chown(`${dir}/${name}`, owner.uid, owner.gid);
      }
      await Deno.chmod(dir, 0o700);
      await Deno.chown(dir, owner.uid, owner.gid);
    }
    const target = (await docker.containers.create({
      Image: busybox,
      Cmd: ["sleep", "600"],
      Labels: TEST_LABELS,
      /* Docker turns IPv6 off in a --network none namespace; the relay serves ::1 too */
      HostConfig: {
        NetworkMode: "none",
        Sysctls: { "net.ipv6.conf.all.disable_ipv6": "0", "net.ipv6.conf.lo.disable_ipv6": "0" },
      },
    }, { name: `leash-test-${id}-target` })).Id;
    containers.push(target);
    await docker.containers.start(target);
    assert.equal(
      (await sh("docker", ["cp", `${dir}/relayprobe`, `${target}:/bin/relayprobe`])).code,
      0,
    );
    const cgroup = await cgroupPath((await docker.containers.inspect(target)).State.Pid);
    const config = managerConfig({
      image: image.tag,
      sessionId: id,
      target,
      socketDir: dir,
      socketOwner: options.socketOwner,
    });
    const manager = await createManagerContainer(docker, {
      ...config,
      Labels: TEST_LABELS,
      ...(options.managerUlimits
        ? { HostConfig: { ...config.HostConfig, Ulimits: options.managerUlimits } }
        : {}),
    }, { name: `leash-test-${id}-manager` });
    containers.push(manager);
    await docker.containers.start(manager);
    // A manager that cannot connect exits: fail with its output instead of waiting forever.
    const exited = docker.containers.wait(manager, { condition: "not-running" }).then(
      async ({ StatusCode }) => {
        const { stderr } = await collectOutput(await docker.containers.logs(manager));
        throw new Error(
          `The manager exited with status ${StatusCode} before connecting: ${stderr}`,
        );
      },
    );
    exited.catch(() => {});
    await Promise.race([host.acceptControl(), exited]);
    const hello = await host.next((m) => m.type === "hello");
    return { docker, host, dir, target, manager, cgroup, hello, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
