/**
 * Relay benchmark (issue 4): a real target and manager container with a streaming echo as
 * the host. Measures, inside the target's network namespace and in the same run:
 *   - a 100 MB upload echoed back through the transparent relay (TCP loopback → manager →
 *     proxy.sock → host) vs the same transfer to an echo server on 127.0.0.1 directly;
 *   - sequential connection rate (connect, 1 byte each way, close) through the relay vs direct.
 * Prints the numbers and the relay/direct ratios. Needs root and dockerd; skips otherwise.
 */
import { DockerClient } from "../../src/docker/mod.ts";
import {
  encodedMaps,
  rootDockerSkip,
  sh,
  startSession,
} from "../../tests/kernel/manager_session.ts";

const encoder = new TextEncoder();
function print(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

const BYTES = 100 * 1024 * 1024;
const CONNECTIONS = 2000;
const DIRECT_PORT = 18000;

function seconds(out: string): number {
  const m = out.match(/seconds ([\d.]+)/);
  if (!m) throw new Error(`Cannot read the timing from relayprobe: ${out}`);
  return Number(m[1]);
}

async function main(): Promise<void> {
  const skip = await rootDockerSkip("loading eBPF programs needs root");
  if (skip) {
    print(`relay bench skipped: ${skip}`);
    return;
  }
  using docker = await DockerClient.connect();
  await using session = await startSession(docker, { streamEcho: true });
  const { host, target, cgroup } = session;
  const maps = encodedMaps(
    `permit (principal, action == Action::"NetworkConnect", resource in Host::"0.0.0.0/0");`,
  );
  await host.send({ type: "activate", cgroup, maps, layers: ["cgroup-net"] });
  const active = await host.next((m) => m.type === "active" || m.type === "error");
  if (active.type !== "active") throw new Error(`Cannot activate: ${JSON.stringify(active)}`);

  const exec = (...args: string[]) => sh("docker", ["exec", target, ...args]);
  await exec("sh", "-c", `relayprobe serve ${DIRECT_PORT} >/dev/null 2>&1 &`);
  for (
    let i = 0;
    i < 50 && (await exec("relayprobe", "halfclose", "127.0.0.1", `${DIRECT_PORT}`, "x")).code;
    i++
  ) {
    await new Promise((r) => setTimeout(r, 100));
  }

  const run = async (addr: string, port: number, ...args: string[]) => {
    const r = await exec("relayprobe", args[0]!, addr, `${port}`, ...args.slice(1));
    if (r.code !== 0) throw new Error(`relayprobe ${args.join(" ")} failed: ${r.out}`);
    return seconds(r.out);
  };
  const mb = BYTES / 1024 / 1024;
  const directBulk = await run("127.0.0.1", DIRECT_PORT, "bulk", `${BYTES}`);
  const relayBulk = await run("1.2.3.4", 80, "bulk", `${BYTES}`);
  const directRate = await run("127.0.0.1", DIRECT_PORT, "many", `${CONNECTIONS}`);
  const relayRate = await run("1.2.3.4", 80, "many", `${CONNECTIONS}`);

  print(`relay bench (${mb} MB echoed each way; ${CONNECTIONS} sequential connections)`);
  print(
    `  throughput direct ${(2 * mb / directBulk).toFixed(0)} MB/s, relay ${
      (2 * mb / relayBulk).toFixed(0)
    } MB/s: relay takes ${(relayBulk / directBulk).toFixed(2)}x the time`,
  );
  print(
    `  connections direct ${(CONNECTIONS / directRate).toFixed(0)}/s, relay ${
      (CONNECTIONS / relayRate).toFixed(0)
    }/s: relay takes ${(relayRate / directRate).toFixed(2)}x the time`,
  );
}

if (import.meta.main) await main();
