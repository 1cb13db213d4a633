/**
 * Release benchmark (prints numbers, not a test; issue 14 part 5): the self-extracting files'
 * sizes (x86_64 and aarch64), the x86_64 file's first-run time (verify + extract + `leash version`) and the start-up of
 * `leash version` from the extracted file against `deno run main.ts version` from the clone.
 * Targets: ≤ 60 MB per file, first run ≤ 3 s, later start-up ≤ 1.1× `deno run`.
 * Usage: deno run -A scripts/bench/release.ts [RUNS] [FILE]   (default 10; FILE: the x86_64
 * file, built now when not given; the aarch64 one is always built now, for its size)
 */
const ROOT = new URL("../../", import.meta.url).pathname;
const RUNS = Number(Deno.args[0] ?? 10);
const encoder = new TextEncoder();

/** Prints one line of results (a script's output, not a library's). */
function print(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

async function timed(cmd: string, args: string[], env: Record<string, string>): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(cmd, { args, env, stdout: "null", stderr: "piped" }).output();
  const ms = performance.now() - start;
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function build(arch: string): Promise<string> {
  const file = `${ROOT}build/bench-release/leash-linux-${arch}`;
  const env = Deno.env.toObject();
  delete env.DENORT_BIN;
  const out = await new Deno.Command("bash", {
    args: [`${ROOT}scripts/release`, "--target", `${arch}-unknown-linux-gnu`, "--output", file],
    clearEnv: true,
    env,
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("scripts/release failed");
  return file;
}

/** One size line; the target is ≤ 60 MB per file. */
async function printSize(arch: string, file: string): Promise<void> {
  const mb = (await Deno.stat(file)).size / 1e6;
  print(
    `size ${arch.padEnd(12)} ${mb.toFixed(1)} MB  (target ≤ 60 MB: ${
      mb <= 60 ? "met" : "NOT met"
    })`,
  );
}

const file = Deno.args[1] ?? await build("x86_64");
print(`file ${file}`);
await printSize("x86_64", file);
await printSize("aarch64", await build("aarch64"));

const scratch = await Deno.makeTempDir({ prefix: "leash-bench-release-" });
try {
  const first: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 5); i++) {
    first.push(await timed(file, ["version"], { LEASH_CACHE_DIR: `${scratch}/first-${i}` }));
  }
  const firstMs = median(first);
  print(
    `first run         ${
      (firstMs / 1000).toFixed(2)
    } s median of ${first.length} (verify, extract, version; target ≤ 3 s: ${
      firstMs <= 3000 ? "met" : "NOT met"
    })`,
  );
  const cache = { LEASH_CACHE_DIR: `${scratch}/first-0` };
  const deno = `${ROOT}.tools/node_modules/.bin/deno`;
  const source = ["run", "--allow-all", "--quiet", `${ROOT}main.ts`, "version"];
  // One warm-up each (the code cache), then alternate so load affects both alike.
  await timed(file, ["version"], cache);
  await timed(deno, source, {});
  const release: number[] = [];
  const clone: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    release.push(await timed(file, ["version"], cache));
    clone.push(await timed(deno, source, {}));
  }
  const ratio = median(release) / median(clone);
  print(`later start-up    ${median(release).toFixed(0)} ms median of ${RUNS} (release file)`);
  print(`deno run main.ts  ${median(clone).toFixed(0)} ms median of ${RUNS} (clone)`);
  print(
    `ratio             ${ratio.toFixed(2)}× (target ≤ 1.1×: ${ratio <= 1.1 ? "met" : "NOT met"})`,
  );
} finally {
  await Deno.remove(scratch, { recursive: true });
}
