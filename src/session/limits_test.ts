import assert from "node:assert/strict";
import { DEFAULT_PIDS_LIMIT, limitsHostConfig, parseLimits, renderLimits } from "./limits.ts";

const GIB = 1024 ** 3;

Deno.test("parseLimits() defaults to 4096 pids, half the host's memory and no CPU limit", () => {
  const limits = parseLimits({}, 16 * GIB);
  assert.deepEqual(limits, { pids: DEFAULT_PIDS_LIMIT, memoryBytes: 8 * GIB, cpus: undefined });
  assert.deepEqual(limitsHostConfig(limits), {
    PidsLimit: 4096,
    Memory: 8 * GIB,
    MemorySwap: 8 * GIB,
  });
  assert.equal(renderLimits(limits), "pids 4096 · memory 8.0 GiB · cpus no limit");
});

Deno.test("parseLimits() reads sizes with units, decimal CPUs and none", () => {
  const limits = parseLimits({ pidsLimit: "none", memory: "512m", cpus: "1.5" }, 16 * GIB);
  assert.deepEqual(limits, { pids: undefined, memoryBytes: 512 * 1024 ** 2, cpus: 1.5 });
  assert.deepEqual(limitsHostConfig(limits), {
    PidsLimit: -1,
    Memory: 512 * 1024 ** 2,
    MemorySwap: 512 * 1024 ** 2,
    NanoCpus: 1_500_000_000,
  });
  assert.equal(renderLimits(limits), "pids no limit · memory 512 MiB · cpus 1.5");
  assert.equal(parseLimits({ memory: "2G" }, 0).memoryBytes, 2 * GIB);
  assert.equal(parseLimits({ memory: "none" }, 16 * GIB).memoryBytes, undefined);
});

Deno.test("parseLimits() refuses bad values naming the flag and the fix", () => {
  assert.throws(
    () => parseLimits({ pidsLimit: "0" }, GIB),
    /Invalid --pids-limit "0": use a whole/,
  );
  assert.throws(() => parseLimits({ pidsLimit: "-5" }, GIB), /--pids-limit "-5"/);
  assert.throws(
    () => parseLimits({ memory: "1k" }, GIB),
    /Invalid --memory "1k": use a size of at least 6m/,
  );
  assert.throws(() => parseLimits({ memory: "lots" }, GIB), /--memory "lots"/);
  assert.throws(() => parseLimits({ cpus: "0" }, GIB), /Invalid --cpus "0": use a number of CPUs/);
  assert.throws(() => parseLimits({ cpus: "two" }, GIB), /--cpus "two"/);
});
