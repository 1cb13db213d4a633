/**
 * `leash-helper manager --socket-owner UID:GID` against real containers (issue 12): a
 * non-root user's socket dir is 0700 and its sockets 0600, owned by the user; the manager
 * (root without CAP_DAC_OVERRIDE) reaches them only by connecting as their owner, for the
 * control socket and for every relayed connection, and says at once who it connected as when
 * the owner is not the one it was given.
 */
import assert from "node:assert/strict";
import { collectOutput, DockerClient } from "../../src/docker/mod.ts";
import { ensureManagerImage } from "../../src/manager/image.ts";
import { createManagerContainer } from "../../src/manager/container.ts";
import { managerConfig } from "../../src/session/containers.ts";
import { TEST_LABELS } from "../fixtures/busybox_image.ts";
import { FakeHost } from "./fake_host.ts";
import { encodedMaps, rootDockerSkip, sh, startSession } from "./manager_session.ts";
import { note } from "./note.ts";

const skip = await rootDockerSkip("chown to another uid and loading eBPF programs need root");
if (skip) note(`Manager socket owner tests skipped: ${skip}`);

const OWNER = { uid: 4242, gid: 4242 };

Deno.test({
  name:
    "manager --socket-owner: reaches a 0700 socket dir of another uid as its owner: hello, activate, relayed TCP",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    using docker = await DockerClient.connect();
    await using session = await startSession(docker, { socketOwner: OWNER });
    const { host, target, cgroup, hello } = session;
    assert.equal(hello.type, "hello");
    const stat = await Deno.stat(`${session.dir}/control.sock`);
    assert.equal(`${stat.uid}:${(stat.mode ?? 0) & 0o777}`, `4242:${0o600}`);
    await host.send({
      type: "activate",
      cgroup,
      mode: "enforce",
      maps: encodedMaps(`@id("all") permit (principal, action, resource);`),
      layers: ["cgroup-net"],
      log_allow: false,
    });
    const active = await host.next((m) => m.type === "active" || m.type === "error");
    assert.equal(active.type, "active", JSON.stringify(active));
    // A relayed connection is a new connect to proxy.sock, also as the owner.
    const wget = await sh("docker", ["exec", target, "wget", "-q", "-O", "-", "http://1.2.3.4/"]);
    assert.equal(wget.out, "hello from 1.2.3.4:80");
    assert.ok(host.streams.some((s) => s.header.dst === "1.2.3.4:80"));
  },
});

Deno.test({
  name:
    "manager --socket-owner: told another owner, it fails at once naming the ids it used and the dir's mode and owner",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    using docker = await DockerClient.connect();
    const image = await ensureManagerImage(docker);
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "lo-" });
    const host = new FakeHost(dir);
    let manager: string | undefined;
    try {
      for (const name of ["control.sock", "proxy.sock", "dns.sock"]) {
        await Deno.chmod(`${dir}/${name}`, 0o600);
        await Deno.chown(`${dir}/${name}`, OWNER.uid, OWNER.gid);
      }
      await Deno.chmod(dir, 0o700);
      await Deno.chown(dir, OWNER.uid, OWNER.gid);
      const config = managerConfig({
        image: image.tag,
        sessionId: "owner-test",
        target: "unused",
        socketDir: dir,
        socketOwner: { uid: 4243, gid: 4243 },
      });
      manager = await createManagerContainer(docker, {
        ...config,
        Labels: TEST_LABELS,
        HostConfig: { ...config.HostConfig, NetworkMode: "none" },
      });
      await docker.containers.start(manager);
      const { StatusCode } = await docker.containers.wait(manager, { condition: "not-running" });
      const { stderr } = await collectOutput(await docker.containers.logs(manager));
      assert.equal(StatusCode, 1, stderr);
      assert.equal(
        stderr.trim(),
        'leash-helper manager: Cannot connect to control socket "/leash-sock/control.sock": Permission denied (as uid 4243 gid 4243; /leash-sock is mode 0700 owned by 4242:4242)',
      );
    } finally {
      if (manager) await docker.containers.remove(manager, { force: true }).catch(() => {});
      await host.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
