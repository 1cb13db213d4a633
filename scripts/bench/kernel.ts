/**
 * Kernel enforcement benchmark (issue 4, native half): the cost of leash's eBPF programs on
 * open()+close() and fork()+exec() inside the target cgroup with 0, 100 and 10,000 path
 * rules, and outside it with 10,000 rules, against no programs attached. One QEMU boot
 * (scripts/kernel-vm/run) runs every case in interleaved rounds (scripts/bench/kernel/
 * cases.sh); the table shows the median ns/op and the ratio to "no programs" in that boot.
 * A separate pass reads each program's run count and run time (bpf_stats) to say where the
 * cost goes. Policies are compiled and encoded on the host by the production code.
 *
 * The guest clock counts instructions by default (QEMU -icount shift=0: 1 ns = 1 guest
 * instruction), so the ratios do not depend on what else the host runs; --wall uses plain
 * TCG time instead (noisy on a busy host).
 * Usage: deno run -A scripts/bench/kernel.ts [--wall] [OPENS] [EXECS] [ROUNDS]
 * Needs root and QEMU (the kernel tier's prerequisites); skips otherwise.
 */
import { bootVm, vmUnavailable } from "../../tests/kernel/vm_harness.ts";
import { benchMaps, DEEP_PATH, LONG_PATH, SHORT_PATH, WORKLOAD_PATH } from "./kernel/policy.ts";
import { type LoopOp, printAttribution, printTable, problems } from "./kernel/report.ts";

const RULES = [0, 100, 10_000];
const OUTSIDE = 10_000;
const ICOUNT = "-icount shift=0,sleep=off";
const USAGE = "usage: deno run -A scripts/bench/kernel.ts [--wall] [OPENS] [EXECS] [ROUNDS]";
const HERE = new URL("./kernel/", import.meta.url).pathname;
const encoder = new TextEncoder();

function print(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

function describe(path: string): string {
  return `open ${path.split("/").length - 1}c ${path.length}B`;
}

const OPS: LoopOp[] = [
  { key: "open_short", label: describe(SHORT_PATH), path: SHORT_PATH },
  { key: "open_long", label: describe(LONG_PATH), path: LONG_PATH },
  { key: "open_deep", label: describe(DEEP_PATH), path: DEEP_PATH },
  { key: "exec", label: "fork+exec+wait" },
];

const CASES: [string, string][] = [
  ["none", "no programs"],
  ...RULES.map((k): [string, string] => [`in_${k}`, `${k.toLocaleString("en")} rules, in cgroup`]),
  [`out_${OUTSIDE}`, `${OUTSIDE.toLocaleString("en")} rules, outside`],
];

interface Options {
  wall: boolean;
  opens: number;
  execs: number;
  rounds: number;
}

function parseArgs(args: string[]): Options {
  const wall = args.includes("--wall");
  const numbers = args.filter((a) => a !== "--wall");
  const [opens = 10_000, execs = 100, rounds = 3] = numbers.map((a) => {
    const n = Number(a);
    if (!Number.isInteger(n) || n < 1) {
      throw new TypeError(`Cannot use "${a}" as a count: give a positive integer\n${USAGE}`);
    }
    return n;
  });
  if (numbers.length > 3) throw new TypeError(`Too many arguments\n${USAGE}`);
  return { wall, opens, execs, rounds };
}

async function buildWorkload(out: string): Promise<void> {
  const result = await new Deno.Command("gcc", {
    args: ["-static", "-O2", "-Wall", "-Werror", "-o", out, `${HERE}workload.c`],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) throw new Error("Cannot build the benchmark workload: gcc failed");
}

async function stageFiles(options: Options, notes: string[]) {
  const files: Record<string, Uint8Array | string> = {};
  for (const k of RULES) {
    const t = performance.now();
    const built = benchMaps(k);
    files[`/maps-${k}.bin`] = built.maps;
    notes.push(
      `policy ${k.toLocaleString("en")}: ${built.statements} statements -> ${built.pathEntries} ` +
        `path entries, ${built.maps.length} map bytes (compile + encode ${
          ((performance.now() - t) / 1000).toFixed(1)
        } s)`,
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "leash-kbench-" });
  try {
    await buildWorkload(`${dir}/leash-bench`);
    files["/leash-bench"] = await Deno.readFile(`${dir}/leash-bench`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  files["/bench.conf"] = [
    `N_OPEN=${options.opens}`,
    `N_EXEC=${options.execs}`,
    `ROUNDS=${options.rounds}`,
    `RULES="${RULES.join(" ")}"`,
    `OUTSIDE=${OUTSIDE}`,
    `SHORT=${SHORT_PATH}`,
    `LONG=${LONG_PATH}`,
    `DEEP=${DEEP_PATH}`,
    `BIN=${WORKLOAD_PATH}`,
    "",
  ].join("\n");
  return files;
}

async function main(options: Options): Promise<void> {
  const skip = vmUnavailable();
  if (skip) {
    print(`kernel bench skipped: ${skip}`);
    return;
  }
  const started = performance.now();
  const notes: string[] = [];
  const files = await stageFiles(options, notes);
  const run = await bootVm(`${HERE}cases.sh`, {
    files,
    timeout: 3600,
    qemuArgs: options.wall ? "" : ICOUNT,
  });
  const bad = [
    ...problems(run.info),
    ...run.events.filter((e) => e.event === "helper.error")
      .map((e) => `helper.error: ${String(e.message)}`),
  ];
  if (bad.length > 0) {
    print(run.info.filter((l) => !/^LEASH-(STAT|KSYM) /.test(l)).join("\n").slice(-6000));
    throw new Error(`Kernel bench failed: ${bad.join("; ")}`);
  }
  const kernel = /kernel=(\S+)/.exec(run.info.find((l) => l.startsWith("LEASH-BOOT")) ?? "");
  print(
    `kernel enforcement bench: Debian ${kernel?.[1] ?? "?"} under QEMU TCG, one boot, median ` +
      `of ${options.rounds} interleaved rounds; ${options.opens.toLocaleString("en")} opens and ` +
      `${options.execs} execs per loop`,
  );
  print(
    options.wall
      ? "  clock: emulated wall time (TCG); absolute ns are not native and a busy host adds noise: read the ratios"
      : "  clock: QEMU -icount shift=0, the guest clock counts instructions (1 ns = 1 instruction): ratios are instruction-count ratios within this boot, immune to host load and blind to cache effects; absolute ns are not native",
  );
  print(
    "  enforce mode; leash-helper attaches every layer (kernel-lsm, cgroup-net, argv capture) " +
      "as the kernel tests do; 'outside' runs the workload in the root cgroup",
  );
  print(`  paths: ${OPS.filter((o) => o.path).map((o) => `${o.label} = ${o.path}`).join("; ")}`);
  for (const note of notes) print(`  ${note}`);
  print("");
  const input = {
    info: run.info,
    ops: OPS,
    cases: CASES,
    rounds: options.rounds,
    outside: OUTSIDE,
  };
  printTable(input, print);
  printAttribution(input, print);
  print(
    `\nwall time: ${((performance.now() - started) / 1000).toFixed(0)} s ` +
      `(VM boot + cases ${run.seconds.toFixed(0)} s)`,
  );
}

let options: Options;
try {
  options = parseArgs(Deno.args);
} catch (error) {
  Deno.stderr.writeSync(encoder.encode(`error: ${(error as Error).message}\n`));
  Deno.exit(2);
}
await main(options);
