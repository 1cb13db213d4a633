/**
 * Reads the kernel benchmark's VM console ("LEASH-" lines of cases.sh) and prints the table
 * of median ns/op with ratios to "no programs", and the per-program eBPF cost of the stats
 * pass with a fit of leash_file_open's cost per path byte and per path component.
 */

/** One timed loop of the workload. */
export interface LoopOp {
  /** Key in the console (op=...). */
  key: string;
  /** Column heading. */
  label: string;
  /** The opened path, for open loops. */
  path?: string;
}

/** What the report needs to know about the run. */
export interface ReportInput {
  info: string[];
  ops: LoopOp[];
  cases: [key: string, label: string][];
  rounds: number;
  outside: number;
}

/** Writes one line of output. */
export type Print = (line: string) => void;

/** "k=v k=v" fields of a console line. */
export function fields(line: string): Record<string, string> {
  return Object.fromEntries([...line.matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1]!, m[2]!]));
}

/** The middle value (mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Everything that makes the run's numbers meaningless, as messages (empty when sound). */
export function problems(info: string[]): string[] {
  const results = info.filter((l) => l.startsWith("LEASH-BENCH ")).map(fields);
  const checks = info.filter((l) => l.startsWith("LEASH-CHECK ")).map((l) => ({
    rc: fields(l).rc,
    name: l.split(" ")[1] ?? "",
    out: l.slice(l.indexOf("out=") + 4).trim(),
  }));
  const active = info.filter((l) => l.startsWith("LEASH-ACTIVE "));
  const attaches = info.filter((l) => l.startsWith("LEASH-INFO attach "));
  return [
    ...(results.length === 0 ? ["no loop ran"] : []),
    ...results.filter((r) => r.rc !== "0")
      .map((r) => `loop ${r.case}/${r.op} in round ${r.round} failed (rc=${r.rc}): ${r.out}`),
    ...(active.length < attaches.length ? ["the helper did not report helper.active"] : []),
    ...active.filter((a) => !/"kernel-lsm":"active"/.test(a))
      .map((a) => `kernel-lsm did not attach: ${a.slice(0, 300)}`),
    ...checks.filter((c) => c.name.startsWith("denied_") && !/Permission denied/.test(c.out))
      .map((c) => `${c.name}: the policy's forbid did not deny in the target cgroup: ${c.out}`),
    ...checks.filter((c) => c.name.startsWith("outside_") && c.rc !== "0")
      .map((c) => `${c.name}: an open outside the target cgroup failed: ${c.out}`),
  ];
}

/** Prints the table: median ns/op per case and op, and the ratio to the first case. */
export function printTable(input: ReportInput, print: Print): void {
  const results = input.info.filter((l) => l.startsWith("LEASH-BENCH ")).map(fields);
  const ns = (c: string, op: string) =>
    median(results.filter((r) => r.case === c && r.op === op).map((r) => Number(r.ns_per_op)));
  const [base] = input.cases[0]!;
  const width = 22;
  print(`  ${"ns/op (ratio)".padEnd(26)}${input.ops.map((o) => o.label.padStart(width)).join("")}`);
  for (const [key, label] of input.cases) {
    const cells = input.ops.map(({ key: op }) => {
      const value = ns(key, op);
      const ratio = key === base ? "" : ` (${(value / ns(base, op)).toFixed(2)}x)`;
      return `${value.toFixed(0)}${ratio.padEnd(8)}`.padStart(width);
    });
    print(`  ${label.padEnd(26)}${cells.join("")}`);
  }
}

interface ProgCost {
  name: string;
  runs: number;
  ns: number;
}

/** Per op of the stats pass: ns/op of the loop and each program's runs and ns per op. */
function statsPass(info: string[]): Map<string, { nsPerOp: number; progs: ProgCost[] }> {
  const names = new Map<string, string>();
  for (const line of info.filter((l) => l.startsWith("LEASH-KSYM "))) {
    const m = /bpf_prog_([0-9a-f]{16})_(\w+)/.exec(line);
    if (m && !names.has(m[1]!)) names.set(m[1]!, m[2]!);
  }
  const stats = info.filter((l) => l.startsWith("LEASH-STAT ")).map(fields);
  const out = new Map<string, { nsPerOp: number; progs: ProgCost[] }>();
  for (const loop of info.filter((l) => l.startsWith("LEASH-STATLOOP ")).map(fields)) {
    const n = Number(loop.n);
    if (loop.rc !== "0" || !n) continue;
    const progs = stats.filter((s) => s.op === loop.op && Number(s.runs) > 0).map((s) => ({
      name: names.get(s.prog_tag!) ?? `prog ${s.prog_id} (type ${s.prog_type})`,
      runs: Number(s.runs) / n,
      ns: Number(s.ns) / n,
    }));
    out.set(loop.op!, { nsPerOp: Number(loop.ns_per_op), progs });
  }
  return out;
}

/** Prints where the time goes: per-program eBPF cost per op, and a per-byte/component fit. */
export function printAttribution(input: ReportInput, print: Print): void {
  const pass = statsPass(input.info);
  if (pass.size === 0) {
    print("  (no per-program counters: the stats pass did not run)");
    return;
  }
  print(
    `\nwhere the time goes: eBPF run time per op, from kernel.bpf_stats_enabled in a separate ` +
      `pass (${input.outside.toLocaleString("en")} rules)`,
  );
  for (const [op, { nsPerOp, progs }] of pass) {
    const total = progs.reduce((n, p) => n + p.ns, 0);
    print(
      `  ${op.padEnd(15)} ${nsPerOp.toFixed(0).padStart(7)} ns/op, ${
        total.toFixed(0).padStart(5)
      } in eBPF: ${
        progs.map((p) => `${p.name} ${p.runs.toFixed(1)}x ${p.ns.toFixed(0)}`).join(", ")
      }`,
    );
  }
  const fileOpen = (op: string) => pass.get(op)?.progs.find((p) => p.name === "leash_file_open");
  const paths = new Map(input.ops.map((o) => [o.key, o.path]));
  const shape = (op: string) => {
    const path = paths.get(op) ?? "";
    return { bytes: path.length, comps: path.split("/").length - 1 };
  };
  const [s, l, d] = [fileOpen("open_short"), fileOpen("open_long"), fileOpen("open_deep")];
  const [ss, ls, ds] = [shape("open_short"), shape("open_long"), shape("open_deep")];
  if (!s || !l || !d || ls.bytes === ss.bytes || ds.comps === ls.comps) return;
  /* short and long have the same components, long and deep the same bytes. */
  const perByte = (l.ns - s.ns) / (ls.bytes - ss.bytes);
  const perComp = (d.ns - l.ns) / (ds.comps - ls.comps);
  const fixed = s.ns - perByte * ss.bytes - perComp * ss.comps;
  print(
    `  leash_file_open in the target cgroup ~ ${fixed.toFixed(0)} + ${perByte.toFixed(0)}/byte + ` +
      `${perComp.toFixed(0)}/component: bpf_d_path, then the bpf_loop walk hashes the path byte ` +
      `by byte with one path_rules lookup per "/" (cost independent of the rule count: a hash map)`,
  );
}
