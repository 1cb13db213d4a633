/** The oldest Engine API version leash speaks (Docker Engine 20.10). */
export const MIN_API_VERSION = "1.41";
/** The newest Engine API version leash speaks; newer engines are addressed at this version. */
export const MAX_API_VERSION = "1.47";

/** What the engine says about the API versions it serves. */
export interface EngineApiVersions {
  /** The newest version the engine serves (`API-Version` header of `/_ping`). */
  max: string;
  /** The oldest version it serves (`MinAPIVersion` of `/version`), when known. */
  min?: string | undefined;
}

/** Bounds of what the client speaks; defaults to `MIN_API_VERSION`..`MAX_API_VERSION`. */
export interface ClientApiVersions {
  /** @default {MIN_API_VERSION} */
  min?: string | undefined;
  /** @default {MAX_API_VERSION} */
  max?: string | undefined;
}

/**
 * Picks the API version to use: the highest both sides speak, i.e. min(engine max, client max).
 * Throws `RangeError` when the ranges do not overlap, naming the versions and the fix.
 */
export function negotiateApiVersion(
  engine: EngineApiVersions,
  client: ClientApiVersions = {},
): string {
  const clientMin = client.min ?? MIN_API_VERSION;
  const clientMax = client.max ?? MAX_API_VERSION;
  if (compareApiVersions(engine.max, clientMin) < 0) {
    throw new RangeError(
      `Docker engine API ${engine.max} is older than ${clientMin}, the oldest leash supports: upgrade Docker Engine to 20.10 or newer`,
    );
  }
  const chosen = compareApiVersions(engine.max, clientMax) < 0 ? engine.max : clientMax;
  if (engine.min !== undefined && compareApiVersions(engine.min, chosen) > 0) {
    throw new RangeError(
      `Docker engine API ${engine.min}..${engine.max} does not include ${chosen}, the newest leash supports: upgrade leash or use an older Docker Engine`,
    );
  }
  return chosen;
}

/** Compares `major.minor` API versions numerically (1.9 < 1.41). */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor, aMinor] = parseApiVersion(a);
  const [bMajor, bMinor] = parseApiVersion(b);
  return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}

/** Whether the engine's newest version is beyond ours, so its minimum must be checked too. */
export function needsEngineMinimum(engineMax: string, client: ClientApiVersions = {}): boolean {
  return compareApiVersions(engineMax, client.max ?? MAX_API_VERSION) > 0;
}

function parseApiVersion(version: string): [number, number] {
  const match = /^(\d+)\.(\d+)$/.exec(version.trim());
  if (!match) {
    throw new SyntaxError(`Invalid Docker API version "${version}": expected MAJOR.MINOR`);
  }
  return [Number(match[1]), Number(match[2])];
}
