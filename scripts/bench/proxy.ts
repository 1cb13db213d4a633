/**
 * Proxy benchmark (issue 6; prints numbers, not a test): curl through the egress engine (a
 * relay-like bridge → proxy.sock → TLS MITM → verified upstream TLS) versus curl straight to
 * the same loopback HTTPS upstream, in the same run. Prints each measure and the ratio.
 * Usage: deno run -A scripts/bench/proxy.ts [MEGABYTES]   (download size, default 200)
 */
import { curl, portOf, startWorld } from "../../tests/integration/_proxy_harness.ts";

const encoder = new TextEncoder();
function print(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

const MEGABYTES = Number(Deno.args[0] ?? 200);
const KEEPALIVE_REQUESTS = 300;
const PARALLEL_REQUESTS = 2000;
const NEW_CONNECTIONS = 100;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

async function main(): Promise<void> {
  const world = await startWorld({
    policy:
      `permit (principal, action == Action::"NetworkConnect", resource in Host::"bench.test");`,
    https: ["bench.test"],
  });
  try {
    const port = portOf(world, "bench.test");
    const base = `https://bench.test:${port}`;
    const ways: Record<string, string[]> = {
      direct: ["--cacert", world.upstreamCaPath, "--resolve", `bench.test:${port}:127.0.0.1`],
      proxy: ["-x", `http://127.0.0.1:${world.explicit.port}`, "--cacert", world.leashCaPath],
    };
    const results: Record<string, Record<string, number>> = { direct: {}, proxy: {} };
    for (const [way, args] of Object.entries(ways)) {
      const r = results[way]!;
      const urls = Array.from({ length: KEEPALIVE_REQUESTS }, (_, i) => `${base}/k${i}`);
      const keep = await curl([
        ...args,
        "-w",
        "%{time_total} %{time_starttransfer} %{time_appconnect}\n",
        ...urls.flatMap((u) => ["-o", "/dev/null", u]),
      ]);
      if (keep.code !== 0) throw new Error(`curl failed (${way}): ${keep.stderr}`);
      const lines = keep.stdout.trim().split("\n").map((l) => l.split(" ").map(Number));
      // Later requests reuse the connection: their latency is time_total - time_appconnect.
      const latencies = lines.slice(1).map(([total, , app]) => (total! - app!) * 1000);
      r["keep-alive p50 ms"] = percentile(latencies, 0.5);
      r["keep-alive p99 ms"] = percentile(latencies, 0.99);
      const fresh: number[] = [];
      for (let i = 0; i < NEW_CONNECTIONS; i++) {
        const one = await curl([
          ...args,
          "-o",
          "/dev/null",
          "-w",
          "%{time_total}",
          `${base}/n${i}`,
        ]);
        fresh.push(Number(one.stdout) * 1000);
      }
      r["new connection p50 ms"] = percentile(fresh, 0.5);
      r["new connection p99 ms"] = percentile(fresh, 0.99);
      const bytes = MEGABYTES * 1024 * 1024;
      const seconds = await timed(async () => {
        const big = await curl([...args, "-o", "/dev/null", `${base}/big?n=${bytes}`]);
        if (big.code !== 0) throw new Error(`download failed (${way}): ${big.stderr}`);
      });
      r["download MB/s"] = MEGABYTES / seconds;
      const many = Array.from({ length: PARALLEL_REQUESTS }, (_, i) => `${base}/p${i}`);
      const parallel = await timed(async () => {
        const p = await curl([
          ...args,
          "--parallel",
          "--parallel-max",
          "64",
          ...many.flatMap((u) => ["-o", "/dev/null", u]),
        ]);
        if (p.code !== 0) throw new Error(`parallel failed (${way}): ${p.stderr}`);
      });
      r["requests/s at 64 concurrent"] = PARALLEL_REQUESTS / parallel;
    }
    print(`proxy benchmark: ${MEGABYTES} MB download, loopback HTTPS upstream (Deno.serve)`);
    print(
      `${"measure".padEnd(30)} ${"direct".padStart(10)} ${"proxy".padStart(10)} ${
        "ratio".padStart(8)
      }`,
    );
    for (const key of Object.keys(results.direct!)) {
      const d = results.direct![key]!;
      const p = results.proxy![key]!;
      print(
        `${key.padEnd(30)} ${d.toFixed(2).padStart(10)} ${p.toFixed(2).padStart(10)} ${
          (p / d).toFixed(2).padStart(8)
        }`,
      );
    }
  } finally {
    await world.close();
  }
}

await main();
