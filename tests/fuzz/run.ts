/**
 * The TypeScript fuzz runner (scripts/fuzz calls it): for each target in tests/fuzz/targets/,
 * replays tests/fuzz/regressions/TARGET/ and tests/fuzz/corpus/TARGET/, then checks mutated
 * corpus inputs for `--seconds` (deterministic for a given `--seed`). Prints one line per target,
 * "fuzz NAME: ok ..." or "fuzz NAME: FAILED ..." with the failing input saved under
 * build/fuzz/crashes/NAME/. `--replay FILE` checks one file instead.
 *
 * Usage: deno run --allow-all tests/fuzz/run.ts [--seconds N] [--seed N] [--iterations N]
 *        [--replay FILE] [--list] [TARGET...]
 */
import { join } from "node:path";
import type { Job, Outcome } from "./_worker.ts";

const HERE = new URL(".", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;
/** A target that checks nothing for this long is hung (a check is milliseconds). */
const STALL_MS = 15_000;
const MAX_INPUT = 64 * 1024;

const encoder = new TextEncoder();
function print(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

interface Options {
  seconds: number;
  seed: number;
  iterations: number;
  replay?: string;
  list: boolean;
  targets: string[];
}

function usage(message: string): never {
  print(`error: ${message}`);
  print(
    "usage: run.ts [--seconds N] [--seed N] [--iterations N] [--replay FILE] [--list] [TARGET...]",
  );
  Deno.exit(2);
}

function parseArgs(args: string[]): Options {
  const o: Options = { seconds: 5, seed: 1, iterations: 0, list: false, targets: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const number = () => {
      const v = Number(args[++i]);
      if (!Number.isFinite(v) || v < 0) usage(`${a} needs a non-negative number, got "${args[i]}"`);
      return v;
    };
    if (a === "--seconds") o.seconds = number();
    else if (a === "--seed") o.seed = number();
    else if (a === "--iterations") o.iterations = number();
    else if (a === "--replay") o.replay = args[++i] ?? usage("--replay needs a file");
    else if (a === "--list") o.list = true;
    else if (a.startsWith("-")) usage(`unknown option "${a}"`);
    else o.targets.push(a);
  }
  return o;
}

function names(dir: string, suffix = ""): string[] {
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(suffix))
      .map((e) => e.name).sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

function load(dir: string): { path: string; bytes: Uint8Array }[] {
  return names(dir).map((n) => {
    const path = join(dir, n);
    return { path: path.slice(ROOT.length), bytes: Deno.readFileSync(path) };
  });
}

async function sha(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs one target; true when it kept its contract. */
async function runTarget(name: string, o: Options): Promise<boolean> {
  const started = performance.now();
  const regressions = o.replay ? [] : load(join(HERE, "regressions", name));
  const corpus = o.replay
    ? [{ path: o.replay, bytes: Deno.readFileSync(o.replay) }]
    : load(join(HERE, "corpus", name));
  if (corpus.length === 0) {
    print(`fuzz ${name}: FAILED: no corpus in tests/fuzz/corpus/${name}/`);
    return false;
  }
  const shared = new SharedArrayBuffer(8 + MAX_INPUT);
  // scripts/fuzz reports this file as the crashing input when the runtime itself crashed
  const inputFile = join(ROOT, "build", "fuzz", "current", name);
  Deno.mkdirSync(join(ROOT, "build", "fuzz", "current"), { recursive: true });
  const counters = new Int32Array(shared, 0, 2);
  const worker = new Worker(new URL("./_worker.ts", import.meta.url), { type: "module" });
  const outcome = await new Promise<Outcome | { kind: "hang" }>((resolve) => {
    let last = -1;
    let since = performance.now();
    const watchdog = setInterval(() => {
      const seen = Atomics.load(counters, 0);
      if (seen !== last) {
        last = seen;
        since = performance.now();
      } else if (performance.now() - since > STALL_MS) {
        clearInterval(watchdog);
        resolve({ kind: "hang" });
      }
    }, 250);
    worker.onmessage = (e: MessageEvent<Outcome>) => {
      clearInterval(watchdog);
      resolve(e.data);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      clearInterval(watchdog);
      resolve({ kind: "fail", what: "worker", message: e.message, input: new Uint8Array() });
    };
    const job: Job = {
      name,
      seed: o.seed,
      millis: o.replay ? 0 : o.seconds * 1000,
      iterations: o.replay ? 1 : o.iterations,
      regressions,
      corpus,
      shared,
      inputFile,
    };
    worker.postMessage(job);
  });
  worker.terminate();
  try {
    Deno.removeSync(inputFile);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error; // never written: not persisted
  }
  const took = ((performance.now() - started) / 1000).toFixed(1);
  if (outcome.kind === "done") {
    print(
      `fuzz ${name}: ok (${outcome.replayed} replayed, ${outcome.mutated} mutated, seed ${o.seed}, ${took} s)`,
    );
    return true;
  }
  let input: Uint8Array, what: string, message: string, kind: string;
  if (outcome.kind === "hang") {
    const n = Atomics.load(counters, 1);
    input = new Uint8Array(shared, 8, n).slice();
    what = `the input being checked (check ${Atomics.load(counters, 0) + 1} of this run)`;
    message = `no progress for ${STALL_MS / 1000} s (hang)`;
    kind = "hang";
  } else {
    ({ input, what, message } = outcome);
    kind = "crash";
  }
  const dir = join(ROOT, "build", "fuzz", "crashes", name);
  Deno.mkdirSync(dir, { recursive: true });
  const path = join(dir, `${kind}-${await sha(input)}`).slice(ROOT.length);
  Deno.writeFileSync(join(ROOT, path), input);
  print(`fuzz ${name}: FAILED on ${what}: ${message}`);
  print(`  crashing input: ${path}`);
  print(`  replay: scripts/fuzz ${name} --replay ${path}`);
  print(`  keep it as a regression: cp ${path} tests/fuzz/regressions/${name}/`);
  return false;
}

async function main(): Promise<void> {
  const o = parseArgs(Deno.args);
  const all = names(join(HERE, "targets"), ".ts").map((n) => n.slice(0, -3));
  if (o.list) {
    for (const n of all) print(n);
    return;
  }
  const unknown = o.targets.filter((t) => !all.includes(t));
  if (unknown.length) usage(`unknown target "${unknown[0]}": choose from ${all.join(", ")}`);
  if (o.replay && o.targets.length !== 1) usage("--replay needs exactly one TARGET");
  let failed = 0;
  for (const name of o.targets.length ? o.targets : all) {
    if (!await runTarget(name, o)) failed++;
  }
  if (failed) Deno.exit(1);
}

if (import.meta.main) await main();
