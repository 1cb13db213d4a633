/**
 * The manager image holds the embedded static helper, built for one architecture: an engine
 * of another architecture would fail to start it with a bare "exec format error", so the
 * engine's architecture is checked first and named in the error with the helper's.
 */
import { readAsset } from "../assets.ts";
import type { DockerClient } from "../docker/mod.ts";

const ELF_MACHINES: Record<number, string> = {
  3: "i686",
  40: "armv7l",
  62: "x86_64",
  183: "aarch64",
  243: "riscv64",
};

/** The architecture an ELF file is built for (`e_machine`, kernel spelling); undefined if not ELF. */
export function elfArchitecture(elf: Uint8Array): string | undefined {
  if (elf.length < 20 || elf[0] !== 0x7f || elf[1] !== 0x45 || elf[2] !== 0x4c || elf[3] !== 0x46) {
    return undefined;
  }
  const machine = new DataView(elf.buffer, elf.byteOffset, elf.byteLength)
    .getUint16(18, elf[5] !== 2);
  return ELF_MACHINES[machine] ?? `ELF machine ${machine}`;
}

/**
 * Throws `RangeError` naming both architectures when the engine's (`docker info`, kernel
 * spelling) is not the helper's.
 */
export function requireSameArchitecture(engine: string, helper: string): void {
  if (engine === helper) return;
  throw new RangeError(
    `Cannot use this engine: its architecture is "${engine}" but leash's embedded helper is built for "${helper}"; use the leash build for ${engine} or an engine on ${helper}`,
  );
}

/** Checks the engine's architecture against the embedded helper's (see {@linkcode requireSameArchitecture}). */
export async function checkEngineArchitecture(client: DockerClient): Promise<void> {
  const helper = elfArchitecture(await readAsset("leash-helper"));
  if (helper === undefined) {
    throw new TypeError(
      'Cannot read the architecture of the embedded "leash-helper": not an ELF file; run scripts/build-native',
    );
  }
  requireSameArchitecture((await client.profile()).architecture, helper);
}
