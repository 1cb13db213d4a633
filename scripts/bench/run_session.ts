/**
 * `leash run` benchmark (issue 5): `leash run --image X -- true` vs
 * `docker run --rm --network none X true`, warm (manager image built, images present),
 * median of 10 each in the same run, with the ratio and leash's phase breakdown from the
 * session's events.ndjson (create+entry, manager, bootstrap, activation, exec, teardown),
 * plus the bare Deno start-up of the CLI (`leash version`) for context.
 * Needs dockerd; skips otherwise.
 */
import { join } from "node:path";
import { DockerClient } from "../../src/docker/mod.ts";
import { ensureManagerImage } from "../../src/manager/image.ts";
import { ensureBusyboxImage } from "../../tests/fixtures/busybox_image.ts";

const RUNS = 10;
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const encoder = new TextEncoder();

function print(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timed(cmd: string, args: string[], options: Deno.CommandOptions = {}) {
  const start = performance.now();
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped", ...options })
    .output();
  const ms = performance.now() - start;
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return { ms, stderr: new TextDecoder().decode(out.stderr), end: Date.now() };
}

const PHASES: [string, string, string][] = [
  ["create + entry ready", "boot.staging", "boot.entry"],
  ["manager start + hello", "boot.entry", "boot.hello"],
  ["bootstrap (CA install)", "boot.hello", "boot.bootstrap"],
  ["activation + posture", "boot.bootstrap", "boot.active"],
  ["enforcement.active", "boot.active", "boot.steady"],
  ["exec + command", "boot.steady", "session.exit"],
];

async function main(): Promise<void> {
  let docker: DockerClient;
  try {
    docker = await DockerClient.connect();
  } catch {
    print("run bench skipped: dockerd does not answer at /var/run/docker.sock");
    return;
  }
  const image = await ensureBusyboxImage(docker);
  await ensureManagerImage(docker);
  docker.close();
  const root = await Deno.makeTempDir({ dir: "/tmp", prefix: "lbench-" });
  const workspace = join(root, "ws");
  await Deno.mkdir(workspace);
  await Deno.mkdir(join(root, "run"), { mode: 0o700 });
  const env = {
    XDG_STATE_HOME: join(root, "state"),
    XDG_DATA_HOME: join(root, "data"),
    XDG_RUNTIME_DIR: join(root, "run"),
    NO_COLOR: "1",
  };
  const leashArgs = ["run", "-A", "--quiet", MAIN, "run", "--image", image, "--", "true"];
  const dockerArgs = ["run", "--rm", "--network", "none", image, "true"];
  try {
    // Warm-up: CA creation, page cache, the engine's image metadata.
    await timed(Deno.execPath(), leashArgs, { cwd: workspace, env });
    await timed("docker", dockerArgs);
    const leash: number[] = [];
    const plain: number[] = [];
    const startup: number[] = [];
    const phases = new Map<string, number[]>(PHASES.map(([name]) => [name, []]));
    const teardown: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await timed(Deno.execPath(), leashArgs, { cwd: workspace, env });
      leash.push(run.ms);
      plain.push((await timed("docker", dockerArgs)).ms);
      startup.push(
        (await timed(Deno.execPath(), ["run", "-A", "--quiet", MAIN, "version"], { env })).ms,
      );
      const session = /leash: session (\S+)/.exec(run.stderr)?.[1];
      const events = (await Deno.readTextFile(
        join(root, "state", "leash", "sessions", session!, "logs", "events.ndjson"),
      )).trim().split("\n").map((l) => JSON.parse(l) as { event: string; time: string });
      const at = (kind: string) => Date.parse(events.find((e) => e.event === kind)!.time);
      for (const [name, from, to] of PHASES) phases.get(name)!.push(at(to) - at(from));
      teardown.push(run.end - at("session.exit"));
    }
    const l = median(leash);
    const d = median(plain);
    print(`leash run bench (median of ${RUNS}, warm, image ${image})`);
    print(`  leash run -- true          ${l.toFixed(0)} ms`);
    print(`  docker run --rm -- true    ${d.toFixed(0)} ms`);
    print(`  ratio leash/docker         ${(l / d).toFixed(2)}`);
    print(`  deno start-up (leash version) ${median(startup).toFixed(0)} ms`);
    print("  phases (median, from events.ndjson):");
    for (const [name] of PHASES) {
      print(`    ${name.padEnd(26)} ${median(phases.get(name)!).toFixed(0)} ms`);
    }
    print(`    ${"teardown + exit".padEnd(26)} ${median(teardown).toFixed(0)} ms`);
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

await main();
