/** The session's posture (DESIGN.md §2): what the manager attached, plus Landlock, netns, proxy. */
import { LAYER_NAMES, type LayerName, type LayerStatus } from "../posture/mod.ts";

/** One layer of this session. */
export interface SessionLayer {
  name: LayerName;
  status: LayerStatus;
  reason: string;
}

/** What decides the session's posture. */
export interface SessionPostureInput {
  /** The manager's `active.layers`: "ok" or why not, per requested layer. */
  attached: Record<string, string>;
  /** Whether leash-entry will apply a Landlock ruleset. */
  landlock: boolean;
  /** Why Landlock is not used, when it is not. */
  landlockReason: string;
  /** Landlock warnings (carve-outs it could not express). */
  landlockWarnings: number;
  mode: "record" | "shadow" | "enforce";
  /** Layers turned off by `LEASH_DISABLE_LAYERS` (never asked of the manager). @default none */
  disabled?: readonly LayerName[] | undefined;
}

/**
 * The manager's kernel programs: what the host asks it to attach, and the layers
 * `LEASH_DISABLE_LAYERS` may turn off.
 */
export const MANAGER_LAYERS: readonly LayerName[] = ["kernel-lsm", "cgroup-net", "observe"];

/** Why a layer named in `LEASH_DISABLE_LAYERS` is off. */
export const DISABLED_REASON = "disabled by LEASH_DISABLE_LAYERS";

/** Assesses every layer for this session; pure. */
export function sessionPosture(input: SessionPostureInput): SessionLayer[] {
  const attached = (name: LayerName): SessionLayer => {
    if (input.disabled?.includes(name)) return { name, status: "off", reason: DISABLED_REASON };
    const result = input.attached[name];
    if (result === undefined) return { name, status: "off", reason: "not requested" };
    if (result === "ok") return { name, status: "active", reason: "attached by the manager" };
    return { name, status: "off", reason: result };
  };
  const layers: Record<LayerName, SessionLayer> = {
    "kernel-lsm": attached("kernel-lsm"),
    "cgroup-net": attached("cgroup-net"),
    landlock: input.disabled?.includes("landlock")
      ? { name: "landlock", status: "off", reason: DISABLED_REASON }
      : input.landlock
      ? {
        name: "landlock",
        status: input.landlockWarnings > 0 ? "degraded" : "active",
        reason: input.landlockWarnings > 0
          ? `file/exec policy applied by leash-entry; ${input.landlockWarnings} approximation(s), see events`
          : "file/exec policy applied by leash-entry (no live reload, no shadow mode)",
      }
      : { name: "landlock", status: "off", reason: input.landlockReason },
    netns: { name: "netns", status: "active", reason: "target has only lo; egress via the relay" },
    proxy: { name: "proxy", status: "active", reason: `host proxy, mode ${input.mode}` },
    observe: attached("observe"),
  };
  return LAYER_NAMES.map((name) => layers[name]);
}

/** The layers `--require` asked for that are not active. */
export function missingRequired(
  layers: readonly SessionLayer[],
  required: readonly string[],
): SessionLayer[] {
  return layers.filter((l) => required.includes(l.name) && l.status !== "active");
}

/** Checks `--require` names; throws `RangeError` for an unknown layer. */
export function parseRequired(text: readonly string[]): LayerName[] {
  const names = text.flatMap((t) => t.split(",")).map((s) => s.trim()).filter((s) => s !== "");
  for (const name of names) {
    if (!(LAYER_NAMES as readonly string[]).includes(name)) {
      throw new RangeError(
        `Cannot require layer "${name}": unknown; layers are ${LAYER_NAMES.join(", ")}`,
      );
    }
  }
  return names as LayerName[];
}

/**
 * Parses `LEASH_DISABLE_LAYERS` (a diagnostic setting: run a session without some of the
 * manager's kernel layers, e.g. to see what cgroup-net adds, or without Landlock, as on a
 * kernel without it). Only layers of {@linkcode MANAGER_LAYERS} and "landlock" may be named,
 * and not all of the manager's (it needs one attached program). Throws `RangeError` naming the
 * value and the fix.
 */
export function parseDisabledLayers(text: string): LayerName[] {
  const names = [...new Set(text.split(",").map((s) => s.trim()).filter((s) => s !== ""))];
  const allowed: readonly string[] = [...MANAGER_LAYERS, "landlock"];
  for (const name of names) {
    if (allowed.includes(name)) continue;
    const why = (LAYER_NAMES as readonly string[]).includes(name)
      ? `layer "${name}" cannot be disabled`
      : `unknown layer "${name}"`;
    throw new RangeError(
      `Invalid LEASH_DISABLE_LAYERS "${text}": ${why}; it may name ${allowed.join(", ")}`,
    );
  }
  if (MANAGER_LAYERS.every((l) => names.includes(l))) {
    throw new RangeError(
      `Invalid LEASH_DISABLE_LAYERS "${text}": keep at least one of ${
        MANAGER_LAYERS.join(", ")
      } (the manager needs one attached program)`,
    );
  }
  return names as LayerName[];
}

/** One line per layer for the session banner. */
export function renderSessionPosture(layers: readonly SessionLayer[]): string[] {
  const width = Math.max(...layers.map((l) => l.name.length));
  return layers.map((l) => `  ${l.name.padEnd(width)}  ${l.status.padEnd(8)}  ${l.reason}`);
}
