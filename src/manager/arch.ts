/**
 * The manager image and leash-entry hold the embedded static helper, built per architecture:
 * the engine's architecture (`docker info`) picks which one, and an engine of an architecture
 * leash has no helper for is refused with both named (rather than a bare "exec format error").
 */
import { ASSET_ARCHITECTURES, readAsset } from "../assets.ts";
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
 * Throws `RangeError` naming the engine's architecture (kernel spelling) and the ones leash
 * embeds a helper for when it is not one of them.
 */
export function requireSupportedArchitecture(engine: string): void {
  if ((ASSET_ARCHITECTURES as readonly string[]).includes(engine)) return;
  throw new RangeError(
    `Cannot use this engine: its architecture is "${engine}" but leash embeds a helper for ${
      ASSET_ARCHITECTURES.join(" and ")
    } only; use an engine on one of those`,
  );
}

/**
 * The embedded helper for `arch`: throws `RangeError` for an architecture leash has no
 * helper for, an error naming scripts/build-native when it was not built, and `TypeError`
 * when the file is not an ELF of that architecture.
 */
export async function helperFor(arch: string): Promise<Uint8Array> {
  requireSupportedArchitecture(arch);
  const helper = await readAsset("leash-helper", arch);
  const elf = elfArchitecture(helper);
  if (elf !== arch) {
    throw new TypeError(
      `Cannot use the embedded "leash-helper" for ${arch}: it is ${
        elf === undefined ? "not an ELF file" : `built for ${elf}`
      }; run scripts/build-native`,
    );
  }
  return helper;
}

/** The engine's architecture (`docker info`, kernel spelling) and the embedded helper for it. */
export async function engineHelper(
  client: DockerClient,
): Promise<{ architecture: string; helper: Uint8Array }> {
  const architecture = (await client.profile()).architecture;
  return { architecture, helper: await helperFor(architecture) };
}
