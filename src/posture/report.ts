import { ASSET_ARCHITECTURES } from "../assets.ts";
import { describeEngineKind } from "../docker/mod.ts";
import type { EngineFacts, HostFacts } from "./facts.ts";
import { assessLayers, type LayerPosture, type LayerStatus } from "./layers.ts";

/** `leash doctor --json` output; `schema` changes only when fields are removed or change meaning. */
export interface PostureReport {
  schema: 1;
  leash: string;
  layers: Record<string, Omit<LayerPosture, "name">>;
  facts: HostFacts;
}

/** Builds the stable JSON report from the facts. */
export function postureReport(facts: HostFacts, leashVersion: string): PostureReport {
  const layers: PostureReport["layers"] = {};
  for (const { name, ...rest } of assessLayers(facts)) layers[name] = rest;
  return { schema: 1, leash: leashVersion, layers, facts };
}

/** Styles a status word (the CLI passes its colour function). */
export type Painter = (status: LayerStatus, text: string) => string;

/** Renders the report as the human table of `leash doctor`. */
export function renderPosture(report: PostureReport, paint: Painter): string {
  const names = Object.keys(report.layers);
  const width = Math.max(5, ...names.map((n) => n.length));
  const indent = " ".repeat(width + 2 + 8 + 2);
  const lines = [
    `Enforcement posture of this host (leash ${report.leash})`,
    "",
    `${"LAYER".padEnd(width)}  ${"STATUS".padEnd(8)}  REASON`,
  ];
  for (const name of names) {
    const layer = report.layers[name];
    if (!layer) continue;
    const status = paint(layer.status, layer.status.padEnd(8));
    lines.push(`${name.padEnd(width)}  ${status}  ${layer.reason}`);
    if (layer.fix) lines.push(`${indent}fix: ${layer.fix}`);
  }
  lines.push("", "Facts:");
  for (const [key, value] of factLines(report.facts)) lines.push(`  ${key.padEnd(10)}  ${value}`);
  return lines.join("\n") + "\n";
}

function factLines(f: HostFacts): [string, string][] {
  const docker = f.docker.reachable
    ? `reachable at ${f.docker.socket} (engine ${f.docker.engineVersion}, API ${f.docker.apiVersion})`
    : `not reachable at ${f.docker.socket}: ${f.docker.error}`;
  const cgroup = f.cgroup.unifiedPath
    ? `${f.cgroup.layout} (v2 hierarchy at ${f.cgroup.unifiedPath})`
    : f.cgroup.layout;
  const lsm = f.lsm.list
    ? `${f.lsm.list.join(",")}${f.lsm.note ? ` (${f.lsm.note})` : ""}`
    : `unknown (${f.lsm.note})`;
  const landlock = f.landlockAbi === null
    ? `unknown (${f.landlockNote})`
    : f.landlockAbi > 0
    ? `ABI ${f.landlockAbi}`
    : `unavailable (${f.landlockNote})`;
  const probe = f.probe.ran
    ? Object.entries(f.probe.results).map(([type, result]) => `${type}: ${result}`).join(", ")
    : `not run: ${f.probe.reason}`;
  const engine = f.docker.reachable && f.docker.engine ? f.docker.engine : undefined;
  return [
    ["kernel", f.kernelRelease],
    ["docker", docker],
    ...(engine ? engineLines(engine) : []),
    ["cgroup", cgroup],
    ["lsm", lsm],
    ["btf", f.btf ? "present (/sys/kernel/btf/vmlinux)" : "absent"],
    ["landlock", landlock],
    ["bpffs", f.bpffsMounted ? "mounted at /sys/fs/bpf" : "not mounted at /sys/fs/bpf"],
    ["tracefs", f.tracefs ? "offered by the kernel" : "not offered by the kernel"],
    ["ebpf probe", probe],
  ];
}

function engineLines(e: EngineFacts): [string, string][] {
  const helper = e.helperArchitecture === null
    ? (ASSET_ARCHITECTURES as readonly string[]).includes(e.architecture)
      ? `the embedded helper for ${e.architecture} is not built`
      : `NO HELPER: leash embeds one for ${ASSET_ARCHITECTURES.join(" and ")} only`
    : e.helperArchitecture === e.architecture
    ? `the embedded helper's too`
    : `MISMATCH: the embedded helper is built for ${e.helperArchitecture}`;
  return [
    ["engine", `${e.kind}: ${e.product}, ${describeEngineKind(e.kind)}`],
    ["transport", e.transport],
    ...(e.sessionTransport
      ? [["session", e.sessionTransport.description] as [string, string]]
      : []),
    ["arch", `${e.architecture} (${helper})`],
  ];
}
