/**
 * The native half embedded in leash: compiled eBPF objects and the static helper, per
 * architecture.
 *
 * Assets live in `bpf/dist/<arch>/` (committed, rebuilt by scripts/build-native) next to the
 * sources under `deno run`, and are included with `deno compile --include bpf/dist` in a
 * release; both read them through this module (relative to this file), so the code path is
 * the same.
 */

/**
 * Names of the native assets leash embeds, in a fixed order (the manifest). The eBPF
 * objects (bpf/dist/<arch>/*.bpf.o, committed for review) are compiled into leash-helper as
 * libbpf skeletons, so the static helper is the only file that ships.
 */
export const ASSET_NAMES = ["leash-helper"] as const;

/** The architectures (kernel spelling, `uname -m`) leash builds its native half for. */
export const ASSET_ARCHITECTURES = ["x86_64", "aarch64"] as const;

/** One embedded asset of one architecture and its content hash. */
export interface AssetInfo {
  name: string;
  /** The architecture it is built for (its directory under bpf/dist). */
  arch: string;
  /** Hex SHA-256 of the content, or undefined when the asset was not built. */
  sha256: string | undefined;
  size: number;
}

/** This machine's architecture in kernel spelling (Deno spells it the same way). */
export function hostArchitecture(): string {
  return Deno.build.arch;
}

/**
 * Directory holding one architecture's native assets, resolved relative to this module.
 * Throws `RangeError` naming the supported ones for any other architecture.
 */
export function assetDir(arch: string = hostArchitecture()): URL {
  if (!(ASSET_ARCHITECTURES as readonly string[]).includes(arch)) {
    throw new RangeError(
      `No native assets for the architecture "${arch}": leash builds them for ${
        ASSET_ARCHITECTURES.join(" and ")
      } only`,
    );
  }
  return new URL(`../bpf/dist/${arch}/`, import.meta.url);
}

/** Reads one asset's bytes for `arch` (default: this machine's); a clear error when not built. */
export async function readAsset(
  name: string,
  arch: string = hostArchitecture(),
): Promise<Uint8Array> {
  const url = new URL(name, assetDir(arch));
  try {
    return await Deno.readFile(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot read native asset "${name}" for ${arch}: not built; run scripts/build-native`,
        { cause: error },
      );
    }
    throw new Error(`Cannot read native asset "${name}" for ${arch}`, { cause: error });
  }
}

/** Lists every asset of every architecture with its hash; missing assets have `sha256` undefined. */
export async function assetInfo(): Promise<AssetInfo[]> {
  const result: AssetInfo[] = [];
  for (const arch of ASSET_ARCHITECTURES) {
    for (const name of ASSET_NAMES) {
      try {
        const bytes = await Deno.readFile(new URL(name, assetDir(arch)));
        result.push({ name, arch, sha256: await sha256Hex(bytes), size: bytes.length });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        result.push({ name, arch, sha256: undefined, size: 0 });
      }
    }
  }
  return result;
}

/** Hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
