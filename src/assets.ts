/**
 * The native half embedded in leash: compiled eBPF objects and the static helper.
 *
 * Assets live in `bpf/dist/` (committed, rebuilt by scripts/build-native) next to the sources under `deno run`, and are
 * included with `deno compile --include bpf/dist` in a release; both read them
 * through this module (relative to this file), so the code path is the same.
 */

/**
 * Names of the native assets leash embeds, in a fixed order (the manifest). The eBPF
 * objects (bpf/dist/*.bpf.o, committed for review) are compiled into leash-helper as
 * libbpf skeletons, so the static helper is the only file that ships.
 */
export const ASSET_NAMES = ["leash-helper"] as const;

/** One embedded asset and its content hash. */
export interface AssetInfo {
  name: string;
  /** Hex SHA-256 of the content, or undefined when the asset was not built. */
  sha256: string | undefined;
  size: number;
}

/** Directory holding the native assets, resolved relative to this module. */
export function assetDir(): URL {
  return new URL("../bpf/dist/", import.meta.url);
}

/** Reads one asset's bytes; throws a clear error when the native half was not built. */
export async function readAsset(name: string): Promise<Uint8Array> {
  const url = new URL(name, assetDir());
  try {
    return await Deno.readFile(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot read native asset "${name}": not built; run scripts/build-native`,
        { cause: error },
      );
    }
    throw new Error(`Cannot read native asset "${name}"`, { cause: error });
  }
}

/** Lists every asset with its hash; missing assets have `sha256` undefined. */
export async function assetInfo(): Promise<AssetInfo[]> {
  const result: AssetInfo[] = [];
  for (const name of ASSET_NAMES) {
    try {
      const bytes = await Deno.readFile(new URL(name, assetDir()));
      result.push({ name, sha256: await sha256Hex(bytes), size: bytes.length });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      result.push({ name, sha256: undefined, size: 0 });
    }
  }
  return result;
}

/** Hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
