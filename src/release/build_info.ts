/**
 * What kind of build is running: a clone (`deno run`), a `deno compile` binary or the
 * self-extracting release file. scripts/release writes `build.json` beside `main.ts` in the
 * tree it packs; a clone has none. It is read relative to this module, like the native
 * assets (src/assets.ts), so every build kind takes the same path.
 */

/** How this leash was built. */
export type BuildKind = "source" | "compiled" | "self-extracting";

/** One npm dependency carried by a release, with the hash of its files. */
export interface NpmDependency {
  /** `name@version`, as in deno.lock. */
  name: string;
  /** Hex SHA-256 of the package's file tree (see {@linkcode treeSha256}). */
  sha256: string;
}

/** The build facts `leash version` reports. */
export interface BuildInfo {
  kind: BuildKind;
  /** `os-arch` the runtime was built for, e.g. `linux-x86_64`. */
  target: string;
  /** npm dependencies the build carries; empty for a clone (they live in the Deno cache). */
  npm: NpmDependency[];
}

/** URL of the build manifest a release carries next to main.ts. */
export function buildInfoUrl(): URL {
  return new URL("../../build.json", import.meta.url);
}

/** The running runtime's target, in kernel spelling (`linux-x86_64`, `linux-aarch64`). */
export function runtimeTarget(): string {
  return `${Deno.build.os}-${Deno.build.arch}`;
}

/** Parses a build manifest; throws `SyntaxError` naming the first field that is wrong. */
export function parseBuildInfo(text: string): BuildInfo {
  const json: unknown = JSON.parse(text);
  if (typeof json !== "object" || json === null) throw new SyntaxError("build.json: not an object");
  const record = json as Record<string, unknown>;
  const kind = record.kind;
  if (kind !== "source" && kind !== "compiled" && kind !== "self-extracting") {
    throw new SyntaxError(`build.json: unknown "kind" ${JSON.stringify(kind)}`);
  }
  if (typeof record.target !== "string") throw new SyntaxError('build.json: "target" is missing');
  if (!Array.isArray(record.npm)) throw new SyntaxError('build.json: "npm" is not a list');
  const npm = record.npm.map((entry: unknown, i: number) => {
    const dep = entry as Record<string, unknown> | null;
    if (typeof dep?.name !== "string" || typeof dep.sha256 !== "string") {
      throw new SyntaxError(`build.json: npm[${i}] needs "name" and "sha256"`);
    }
    return { name: dep.name, sha256: dep.sha256 };
  });
  return { kind, target: record.target, npm };
}

/** Reads this build's facts: the release manifest, or a clone's (`source`) when there is none. */
export async function buildInfo(): Promise<BuildInfo> {
  let text: string;
  try {
    text = await Deno.readTextFile(buildInfoUrl());
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { kind: "source", target: runtimeTarget(), npm: [] };
    }
    throw new Error("Cannot read the build manifest build.json", { cause: error });
  }
  return parseBuildInfo(text);
}
