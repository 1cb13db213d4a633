/**
 * Activation (DESIGN.md §3): what the host asks the manager to attach, the posture the
 * session ends up with (Landlock planned where kernel-lsm is missing), and its banner.
 */
import { join } from "node:path";
import type { ActivateMessage, ActiveMessage } from "../control/mod.ts";
import { encodeKernelMaps } from "../native/mod.ts";
import type { LayerName } from "../posture/mod.ts";
import type { PolicyIr } from "../policy/mod.ts";
import { encodeBase64 } from "../boot/mod.ts";
import { type LandlockMask, parseBinds, type PathStat, planLandlock } from "../landlock/mod.ts";
import {
  MANAGER_LAYERS,
  renderSessionPosture,
  type SessionLayer,
  sessionPosture,
} from "./posture.ts";

/** What the session's activation depends on. */
export interface ActivationOptions {
  ir: PolicyIr;
  mode: "record" | "shadow" | "enforce";
  /** `LEASH_DISABLE_LAYERS`: manager layers not to ask for. @default none */
  disabled?: readonly LayerName[] | undefined;
  /** Layers the engine cannot provide (rootless), with why: never asked for. @default none */
  unavailable?: Partial<Record<LayerName, string>> | undefined;
}

/** The manager layers to ask for: all but the disabled ones and those the engine cannot give. */
export function requestedLayers(options: Omit<ActivationOptions, "ir" | "mode">): LayerName[] {
  return MANAGER_LAYERS.filter((l) =>
    !options.disabled?.includes(l) && options.unavailable?.[l] === undefined
  );
}

/**
 * The `activate` request for the target's `cgroup` (null when no kernel layer is asked for:
 * the manager then runs the relay and the lifeline only), with the abstract `lifeline` socket.
 */
export function activateMessage(
  cgroup: string | null,
  lifeline: string,
  options: ActivationOptions,
): ActivateMessage {
  return {
    type: "activate",
    ...(cgroup === null ? {} : { cgroup }),
    mode: options.mode,
    maps: encodeBase64(encodeKernelMaps(options.ir)),
    layers: requestedLayers(options),
    log_allow: false,
    lifeline,
  };
}

/** Where Landlock's view of the target comes from, and where its warnings go. */
export interface PostureOptions extends ActivationOptions {
  /** The target's init pid on the host. */
  targetPid: () => Promise<number>;
  /** The host's working directory (mounted at the same path). */
  cwd: string;
  /** `-v` mounts. */
  volumes: readonly string[];
  publicDir: string;
  /** Forbidden subtrees masked in the target (containment). @default none */
  masked?: readonly LandlockMask[] | undefined;
  /** The engine's stat of a target path (for a host that cannot read its root). */
  engineStat?: PathStat | undefined;
  /** Reports one Landlock approximation. */
  warn: (message: string) => void;
}

/** The session's layers once the manager answered `active` (writes `landlock.rules` if used). */
export async function activePosture(
  active: ActiveMessage,
  options: PostureOptions,
): Promise<SessionLayer[]> {
  const plan = options.disabled?.includes("landlock")
    ? { applied: false, reason: "", warnings: [] }
    : await planLandlock({
      ir: options.ir,
      mode: options.mode,
      kernelLsm: active.layers["kernel-lsm"] === "ok",
      targetPid: options.targetPid,
      binds: parseBinds([`${options.cwd}:${options.cwd}`, ...options.volumes]),
      masked: options.masked,
      engineStat: options.engineStat,
      publicDir: options.publicDir,
    });
  for (const warning of plan.warnings) options.warn(warning);
  return sessionPosture({
    attached: { ...options.unavailable, ...active.layers },
    landlock: plan.applied,
    landlockReason: plan.reason,
    landlockWarnings: plan.warnings.length,
    mode: options.mode,
    disabled: options.disabled,
  });
}

/**
 * The lines shown before the command starts: posture (then `extra` lines: exec guards, limits),
 * logs, the control UI's login URL.
 */
export function postureBanner(
  layers: readonly SessionLayer[],
  logs: string,
  ui: { loginUrl: string } | undefined,
  extra: readonly string[] = [],
): string {
  return [
    "leash: enforcement posture of this session:",
    ...renderSessionPosture(layers),
    ...extra,
    `leash: logs ${logs}/{target,manager}.log · events ${join(logs, "events.ndjson")}`,
    ui ? `leash: control UI ${ui.loginUrl}` : 'leash: control UI off (--listen "")',
    "",
  ].join("\n");
}
