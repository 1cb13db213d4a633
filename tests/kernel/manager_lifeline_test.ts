/**
 * The manager's end of the lifeline (docs/protocol.md "Lifeline") on this host's kernel: the
 * manager runs from the manager image in the target's network namespace, and a client in
 * that namespace plays leash-entry. Exactly one connection is accepted and acknowledged; the
 * listener is gone after it; the host hears "held" and "closed"; the manager's exit ends it.
 */
import assert from "node:assert/strict";
import { DockerClient } from "../../src/docker/mod.ts";
import { newLifelineName } from "../../src/boot/mod.ts";
import { spawnDenoInNetns } from "../fixtures/netns.ts";
import type { ControlMessage } from "./fake_host.ts";
import { encodedMaps, rootDockerSkip, type Session, startSession } from "./manager_session.ts";
import { note } from "./note.ts";

const skip = await rootDockerSkip(
  "loading eBPF programs and entering the target's network namespace need root",
);
if (skip) note(`Manager lifeline tests skipped: ${skip}`);

const POLICY = `permit (principal, action, resource);`;

/** Activates cgroup-net (enforce) with the lifeline `name`; resolves to the answer. */
async function activate(session: Session, name: string): Promise<ControlMessage> {
  await session.host.send({
    type: "activate",
    cgroup: session.cgroup,
    mode: "enforce",
    maps: encodedMaps(POLICY),
    layers: ["cgroup-net"],
    log_allow: false,
    lifeline: name,
  });
  return await session.host.next((m) => m.type === "active" || m.type === "error");
}

/** Runs _lifeline_client.ts in the netns of `pid`; resolves to its report and a release. */
async function client(pid: number, name: string) {
  const script = new URL("./_lifeline_client.ts", import.meta.url);
  const child = spawnDenoInNetns(pid, script, [name], "piped");
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) {
      const err = new TextDecoder().decode((await child.output()).stderr);
      throw new Error(`the lifeline client ended early: ${out} ${err}`);
    }
    out += value;
  }
  return {
    report: JSON.parse(out) as { ack: string; second: string },
    async release() {
      await child.stdin.close();
      await reader.cancel();
      await child.stderr.cancel();
      await child.status;
    },
  };
}

Deno.test({
  name: "manager --control: the lifeline accepts one connection, acknowledges it, then refuses",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    using docker = await DockerClient.connect();
    await using session = await startSession(docker);
    const { host, target } = session;
    const name = newLifelineName();
    const active = await activate(session, name);
    assert.equal(active.type, "active", JSON.stringify(active));
    const pid = (await docker.containers.inspect(target)).State.Pid;
    const held = await client(pid, name);
    assert.deepEqual(held.report, { ack: "leash-lifeline 1\n", second: "ConnectionRefused" });
    assert.deepEqual(await host.next((m) => m.type === "lifeline"), {
      type: "lifeline",
      state: "held",
    });
    await held.release();
    assert.deepEqual(await host.next((m) => m.type === "lifeline"), {
      type: "lifeline",
      state: "closed",
    });
  },
});

Deno.test({
  name: "manager --control: a lifeline name it cannot use fails activation",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    using docker = await DockerClient.connect();
    await using session = await startSession(docker);
    const answer = await activate(session, "not a valid name");
    assert.equal(answer.type, "error");
    assert.equal(answer.phase, "activate");
    assert.match(String(answer.message), /Cannot listen on the lifeline: its name must be/);
  },
});
