// Leaf certificate minting: the shared leaf key versus a fresh key per host, and cache hits.
// Prints its numbers; not a test (no thresholds). Run: deno run -A scripts/bench/leaf.ts [N]
import { createSecureContext } from "node:tls";
import { createCa, createLeafMinter, LeafCache } from "../../src/ca/mod.ts";
import type { LeafKeyType } from "../../src/ca/mod.ts";

const encoder = new TextEncoder();
function print(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

const N = Number(Deno.args[0] ?? 200);
const ca = await createCa({ commonName: "leash bench CA" });

async function timeMs(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

async function bench(keyType: LeafKeyType): Promise<void> {
  const hosts = Array.from({ length: N }, (_, i) => `host-${i}.${keyType}.bench.example`);
  const minter = await createLeafMinter(ca, { keyType });
  await minter.mint("warm-up.example");

  // Reused key: sign a TBSCertificate per host.
  const reused = await timeMs(async () => {
    for (const host of hosts) await minter.mint(host);
  });

  // Baseline: a fresh key pair per host, then the same signing (what a naive minter does).
  const fresh = await timeMs(async () => {
    for (const host of hosts) {
      const own = await createLeafMinter(ca, { keyType }); // generates one key
      await own.mint(host);
    }
  });

  // Through the cache: miss (mint + SecureContext), then hits.
  const cache = new LeafCache(minter, { maxEntries: N });
  const miss = await timeMs(async () => {
    for (const host of hosts) await cache.get(host);
  });
  const rounds = 20;
  const hit = await timeMs(async () => {
    for (let r = 0; r < rounds; r++) for (const host of hosts) await cache.get(host);
  });
  const context = await timeMs(async () => {
    const leaf = await minter.mint("ctx.example");
    for (let i = 0; i < N; i++) createSecureContext({ cert: leaf.certPem, key: leaf.keyPem });
  });

  const per = (ms: number, count = N) => (ms / count).toFixed(3);
  print(`leaf key ${keyType}, N=${N} distinct hosts`);
  print(`  mint, reused key:        ${per(reused)} ms/leaf`);
  print(`  mint, fresh key per host: ${per(fresh)} ms/leaf (baseline)`);
  print(`  ratio fresh/reused:      ${(fresh / reused).toFixed(1)}x`);
  print(`  cache miss (mint + SecureContext): ${per(miss)} ms/host`);
  print(`  createSecureContext alone:         ${per(context)} ms`);
  print(`  cache hit:               ${((hit / (rounds * N)) * 1000).toFixed(2)} µs/lookup`);
}

await bench("ecdsa-p256");
await bench("rsa-2048");
