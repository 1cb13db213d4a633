/**
 * Runs one fuzz target in a worker: replays its regression inputs and corpus, then mutated
 * corpus inputs until the time or iteration budget ends or the contract breaks. Before each
 * check the input is copied into shared memory, so the runner can name the input of a hang.
 */
/// <reference lib="deno.worker" />
import { mutate } from "./_mutate.ts";
import { Prng } from "./_prng.ts";
import type { Checker, FuzzTarget } from "./_target.ts";

/** What the runner asks for. */
export interface Job {
  name: string;
  seed: number;
  /** Milliseconds of mutation after the replays. */
  millis: number;
  /** Mutated inputs at most (0: no limit). */
  iterations: number;
  regressions: { path: string; bytes: Uint8Array }[];
  corpus: { path: string; bytes: Uint8Array }[];
  /** Int32 [checked count, current input length], then the current input's bytes. */
  shared: SharedArrayBuffer;
  /** Where a target with `persistInputs` writes each input before its check. */
  inputFile: string;
}

/** What the worker answers. */
export type Outcome =
  | { kind: "done"; replayed: number; mutated: number }
  | { kind: "fail"; what: string; message: string; input: Uint8Array };

self.onmessage = async (event: MessageEvent<Job>) => {
  const job = event.data;
  const counters = new Int32Array(job.shared, 0, 2);
  const slot = new Uint8Array(job.shared, 8);
  let current: Uint8Array = new Uint8Array();
  let what = "setup";
  let failed = false;
  const fail = (message: string) => {
    if (failed) return;
    failed = true;
    self.postMessage({ kind: "fail", what, message, input: current } satisfies Outcome);
  };
  const describe = (error: unknown) =>
    error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  self.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    fail(`unhandled rejection: ${describe(e.reason)}${where(e.reason)}`);
  });
  self.addEventListener("error", (e) => {
    e.preventDefault();
    fail(`uncaught exception: ${describe(e.error ?? e.message)}${where(e.error)}`);
  });
  let target: FuzzTarget;
  let checker: Checker;
  try {
    ({ target } = await import(`./targets/${job.name}.ts`) as { target: FuzzTarget });
    checker = await target.open();
  } catch (error) {
    return fail(`cannot start the target: ${describe(error)}`);
  }
  const heapLimit = 512 * 1024 * 1024;
  const check = async (input: Uint8Array, label: string): Promise<boolean> => {
    current = input;
    what = label;
    slot.set(input.subarray(0, slot.length));
    if (target.persistInputs) Deno.writeFileSync(job.inputFile, input);
    Atomics.store(counters, 1, Math.min(input.length, slot.length));
    try {
      await checker.check(input);
    } catch (error) {
      fail(describe(error));
    }
    Atomics.add(counters, 0, 1);
    return !failed;
  };
  let replayed = 0;
  let mutated = 0;
  try {
    for (const r of [...job.regressions, ...job.corpus]) {
      if (!await check(r.bytes, `replay of ${r.path}`)) return;
      replayed++;
    }
    const inputs = [...job.corpus, ...job.regressions].map((r) => r.bytes);
    const sources = {
      corpus: inputs,
      dictionary: encodeAll(target.dictionary),
      maxLength: target.maxLength,
    };
    const rng = new Prng(job.seed);
    const end = performance.now() + job.millis;
    while (performance.now() < end && (job.iterations === 0 || mutated < job.iterations)) {
      const input = mutate(rng, rng.pick(inputs), sources);
      if (!await check(input, `mutated input ${mutated + 1} (seed ${job.seed})`)) return;
      mutated++;
      if (mutated % 1000 === 0 && Deno.memoryUsage().heapUsed > heapLimit) {
        return fail(`heap above ${heapLimit} bytes after ${mutated} inputs (unbounded allocation)`);
      }
    }
  } finally {
    what = "the checks after the last input";
    try {
      await checker.close?.();
    } catch (error) {
      fail(describe(error));
    }
  }
  if (!failed) self.postMessage({ kind: "done", replayed, mutated } satisfies Outcome);
};

/** The first frames of an error's stack, indented, for a report. */
function where(error: unknown): string {
  const stack = error instanceof Error ? error.stack ?? "" : "";
  return stack.split("\n").slice(1, 6).map((l) => `\n    ${l.trim()}`).join("");
}

/** Dictionary tokens as bytes: each character one byte (tokens are written as latin-1). */
function encodeAll(tokens: readonly string[]): Uint8Array[] {
  return tokens.map((t) => Uint8Array.from(t, (c) => c.charCodeAt(0) & 0xff));
}
