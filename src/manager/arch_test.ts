import assert from "node:assert/strict";
import { readAsset } from "../assets.ts";
import { elfArchitecture, requireSameArchitecture } from "./arch.ts";

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

Deno.test("elfArchitecture() of the embedded helper is this machine's", async () => {
  const arch = Deno.build.arch === "x86_64" ? "x86_64" : "aarch64";
  assert.equal(elfArchitecture(await readAsset("leash-helper")), arch);
});

Deno.test("requireSameArchitecture() names both architectures and the fix when they differ", () => {
  requireSameArchitecture("x86_64", "x86_64");
  assert.throws(
    () => requireSameArchitecture("aarch64", "x86_64"),
    (e) =>
      e instanceof RangeError &&
      e.message ===
        'Cannot use this engine: its architecture is "aarch64" but leash\'s embedded helper is built for "x86_64"; use the leash build for aarch64 or an engine on x86_64',
  );
});
