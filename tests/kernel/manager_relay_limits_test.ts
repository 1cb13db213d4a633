/**
 * The relay under work the agent drives (issue 9, class 7), in a real session on this
 * host's kernel: a manager allowed 64 descriptors, a target holding 300 connections (far past
 * what the manager can accept) while it floods the DNS relay with 5,000 datagrams nobody can
 * relay. The manager must keep answering control requests, bound what it queues for the host
 * (relay.error lines coalesced into counts), take its listeners off the loop instead of
 * spinning on EMFILE, and accept again once descriptors are free. Count-based throughout.
 */
import assert from "node:assert/strict";
import { DockerClient } from "../../src/docker/mod.ts";
import type { ControlMessage } from "./fake_host.ts";
import { encodedMaps, rootDockerSkip, sh, startSession } from "./manager_session.ts";
import { note } from "./note.ts";

const POLICY = `@id("relay-dst")
permit (principal, action == Action::"NetworkConnect", resource in Host::"1.2.3.4");`;

const skip = await rootDockerSkip("loading eBPF programs needs root");
if (skip) note(`Manager relay limit tests skipped: ${skip}`);

const HELD = 300;

/** The relay's counters in a "drops" message. */
interface RelayCounts {
  refused: number;
  over_limit: number;
  accept_failed: number;
  accept_paused: number;
  dns_dropped: number;
}
const DATAGRAMS = 5000;

/** The relay's counters of a "drops" message (absent: the manager does not count them). */
/** A session whose manager may hold 64 descriptors, its relay echoing streams. */
const LIMITED = {
  streamEcho: true,
  managerUlimits: [{ Name: "nofile", Soft: 64, Hard: 64 }],
};

/** Activates `session` with cgroup-net; `exec` runs a command in its target. */
async function activated(session: Awaited<ReturnType<typeof startSession>>) {
  const { host, target, cgroup } = session;
  await host.send({ type: "activate", cgroup, maps: encodedMaps(POLICY), layers: ["cgroup-net"] });
  const active = await host.next((m) => m.type === "active" || m.type === "error");
  assert.equal(active.type, "active", JSON.stringify(active));
  return { host, exec: (...args: string[]) => sh("docker", ["exec", target, ...args]) };
}

function relayCounts(drops: ControlMessage): RelayCounts {
  assert.ok(
    typeof drops.relay === "object",
    `drops carries the relay's counters: ${JSON.stringify(drops)}`,
  );
  return drops.relay as RelayCounts;
}

Deno.test({
  name:
    "manager --control: 300 held connections past its descriptors and 5,000 refused datagrams: it answers, reports counts, bounds relay.error, accepts again",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    using docker = await DockerClient.connect();
    await using session = await startSession(docker, LIMITED);
    const { host, exec } = await activated(session);
    assert.equal(
      (await exec("relayprobe", "halfclose", "1.2.3.4", "80", "before")).out,
      "got before",
    );

    await exec("sh", "-c", `relayprobe hold 1.2.3.4 80 ${HELD} /tmp/release > /tmp/hold 2>&1 &`);
    let holding = "";
    for (let i = 0; i < 300 && !holding.startsWith("holding"); i++) {
      await new Promise((r) => setTimeout(r, 100));
      holding = (await exec("cat", "/tmp/hold")).out;
    }
    assert.equal(holding, `holding ${HELD}`, "every connection completed (the kernel's backlog)");
    const flood = await exec("relayprobe", "udpflood", "127.0.0.1", "15053", `${DATAGRAMS}`);
    assert.equal(flood.out, `sent ${DATAGRAMS}`);

    /* responsive: control round trips are answered while all that is pending */
    for (const mode of ["record", "enforce", "record", "enforce"]) {
      await host.send({ type: "mode.set", mode });
      const answer = await host.next((m) => m.type === "mode.updated" || m.type === "error");
      assert.deepEqual(answer, { type: "mode.updated", mode });
    }
    /* the counts arrive when they change (at most once a second): wait until they settle */
    let drops: ControlMessage | undefined;
    let relay: RelayCounts = {
      refused: 0,
      over_limit: 0,
      accept_failed: 0,
      accept_paused: 0,
      dns_dropped: 0,
    };
    for (let quiet = 0, i = 0; i < 300 && quiet < 15; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const latest = host.messages.filter((m) => m.type === "drops").at(-1);
      if (latest && latest !== drops) {
        drops = latest;
        relay = drops.relay as RelayCounts;
        quiet = 0;
      } else if (relay.dns_dropped > 0 && relay.refused > relay.dns_dropped) quiet++;
    }
    note(`drops: ${JSON.stringify(drops)}`);
    /* out of descriptors, the connections past them were refused at once and counted (an
     * accepted connection whose host side cannot be opened is closed; accept never spins) */
    assert.ok(relay.refused > relay.dns_dropped, JSON.stringify(drops));
    assert.ok(relay.accept_failed < HELD, "one accept failure per pause, not one per loop turn");
    /* every refusal is reported as a line or counted; the lines are bounded */
    assert.ok(relay.dns_dropped > 0);
    const errorLines = host.messages.filter((m) => m.type === "relay.error").length;
    note(
      `relay.error lines ${errorLines}, coalesced ${drops!.relay_errors}, refused ${relay.refused}`,
    );
    assert.ok(
      Number(drops!.relay_errors) > 0,
      "reports past the bound were coalesced into a count",
    );
    assert.ok(errorLines < relay.refused, "fewer lines than refusals: the rest are counts");
    assert.ok(errorLines + Number(drops!.relay_errors) >= relay.refused);

    /* descriptors free again: the listeners are back and a new connection is relayed */
    await exec("touch", "/tmp/release");
    let after = "";
    for (let i = 0; i < 100 && after !== "got after"; i++) {
      after = (await exec("relayprobe", "halfclose", "1.2.3.4", "80", "after")).out;
      if (after !== "got after") await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(after, "got after");
  },
});

Deno.test({
  name:
    "manager --control: out of descriptors (DNS queries the host never answers), accept fails with EMFILE: the listeners pause, the manager answers, the connection is relayed once descriptors free up",
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    using docker = await DockerClient.connect();
    await using session = await startSession(docker, { ...LIMITED, dnsSilent: true });
    const { host, exec } = await activated(session);

    /* queries to a resolver (redirected to the DNS relay) that the host never answers: each
     * holds a descriptor for 5 s, and the flood keeps every descriptor taken until released */
    await exec(
      "sh",
      "-c",
      "(while [ ! -e /tmp/release ]; do relayprobe udpflood 8.8.8.8 53 200 >/dev/null; done) >/dev/null 2>&1 &",
    );
    let relay: RelayCounts | undefined;
    for (let i = 0; i < 100 && !(relay && relay.dns_dropped > 0); i++) {
      relay = relayCounts(await host.next((m) => m.type === "drops"));
    }
    /* a connection now: accepting it fails for want of a descriptor */
    await exec("sh", "-c", "relayprobe halfclose 1.2.3.4 80 late > /tmp/late 2>&1 &");
    for (let i = 0; i < 100 && !(relay && relay.accept_paused > 0); i++) {
      relay = relayCounts(await host.next((m) => m.type === "drops"));
    }
    note(`while out of descriptors: ${JSON.stringify(relay)}`);
    assert.ok(relay!.accept_paused >= 1, "the listeners were taken off the loop");
    assert.ok(relay!.accept_failed >= relay!.accept_paused);
    /* responsive meanwhile */
    for (const mode of ["record", "enforce"]) {
      await host.send({ type: "mode.set", mode });
      assert.deepEqual(await host.next((m) => m.type === "mode.updated" || m.type === "error"), {
        type: "mode.updated",
        mode,
      });
    }
    /* a pause is one failure, not one per loop turn: a spinning loop fails thousands of times a second */
    const failedBefore = relay!.accept_failed;
    const pausedBefore = relay!.accept_paused;
    for (let i = 0; i < 3; i++) {
      relay = relayCounts(await host.next((m) => m.type === "drops"));
    }
    assert.ok(
      relay!.accept_failed - failedBefore <= relay!.accept_paused - pausedBefore + 3,
      `accept failures grow with the pauses: ${JSON.stringify(relay)}`,
    );

    /* released: the queries expire, descriptors free up, the waiting connection is relayed */
    await exec("touch", "/tmp/release");
    let late = "";
    for (let i = 0; i < 200 && late !== "got late"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      late = (await exec("cat", "/tmp/late")).out;
    }
    assert.equal(late, "got late");
  },
});
