import assert from "node:assert/strict";
import { ASSET_ARCHITECTURES, readAsset } from "../assets.ts";
import { elfArchitecture, helperFor, requireSupportedArchitecture } from "./arch.ts";

function elfHeader(machine: number): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1], 0); // ELF, 64-bit, little endian
  new DataView(bytes.buffer).setUint16(18, machine, true);
  return bytes;
}

Deno.test("elfArchitecture() reads e_machine in the kernel's spelling", () => {
  assert.equal(elfArchitecture(elfHeader(62)), "x86_64");
  assert.equal(elfArchitecture(elfHeader(183)), "aarch64");
  assert.equal(elfArchitecture(elfHeader(9999)), "ELF machine 9999");
  assert.equal(
    elfArchitecture(new TextEncoder().encode("#!/bin/sh\n echo not elf at all")),
    undefined,
  );
});

Deno.test("readAsset() without an architecture reads this machine's helper", async () => {
  assert.equal(elfArchitecture(await readAsset("leash-helper")), Deno.build.arch);
});

Deno.test("helperFor() gives each architecture's own helper, different files", async () => {
  const seen = new Set<number>();
  for (const arch of ASSET_ARCHITECTURES) {
    const helper = await helperFor(arch);
    assert.equal(elfArchitecture(helper), arch);
    seen.add(helper.length);
  }
  assert.equal(seen.size, ASSET_ARCHITECTURES.length);
});

Deno.test("helperFor() of an architecture leash has no helper for names it and the supported ones", async () => {
  const expected =
    'Cannot use this engine: its architecture is "riscv64" but leash embeds a helper for x86_64 and aarch64 only; use an engine on one of those';
  assert.throws(
    () => requireSupportedArchitecture("riscv64"),
    (e) => e instanceof RangeError && e.message === expected,
  );
  await assert.rejects(
    helperFor("riscv64"),
    (e) => e instanceof RangeError && e.message === expected,
  );
  requireSupportedArchitecture("aarch64");
});
