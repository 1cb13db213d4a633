/**
 * Landlock as the file/exec layer when kernel-lsm is not attached: decides whether it
 * applies, computes the ruleset from the IR against the target's own filesystem view, and
 * writes `landlock.rules` for leash-entry (before `enforcement.active`).
 */
import type { PolicyIr } from "../policy/mod.ts";
import { landlockAbi } from "./abi.ts";
import { type LandlockMask, landlockRuleset } from "./ruleset.ts";
import { type BindMount, type PathStat, targetLandlockFs } from "./target_fs.ts";
import { writeLandlockRules } from "./write.ts";

/** What the session needs to know to plan Landlock. */
export interface LandlockPlanOptions {
  ir: PolicyIr;
  mode: "record" | "shadow" | "enforce";
  /** Whether the manager attached kernel-lsm (then Landlock is not used). */
  kernelLsm: boolean;
  /** The target's init pid on the host (for `/proc/<pid>/root`). */
  targetPid: () => Promise<number>;
  binds: readonly BindMount[];
  /** Forbidden subtrees masked in the target (no carving needed). @default none */
  masked?: readonly LandlockMask[] | undefined;
  /** The engine's stat of a target path, for a host that cannot read `/proc/<pid>/root`. */
  engineStat?: PathStat | undefined;
  /** The session's public dir (where `landlock.rules` goes). */
  publicDir: string;
}

/** The outcome: applied or why not, and what the ruleset could not express. */
export interface LandlockPlan {
  applied: boolean;
  reason: string;
  warnings: string[];
}

/** Plans and, when it applies, writes the Landlock ruleset. */
export async function planLandlock(options: LandlockPlanOptions): Promise<LandlockPlan> {
  if (options.kernelLsm) {
    return { applied: false, reason: "kernel-lsm enforces file/exec policy", warnings: [] };
  }
  if (options.mode !== "enforce") {
    return {
      applied: false,
      reason: `file/exec policy not enforced in ${options.mode} mode without kernel-lsm`,
      warnings: [],
    };
  }
  const abi = landlockAbi();
  if (abi.abi !== null && abi.abi < 1) {
    return { applied: false, reason: `Landlock unavailable: ${abi.note}`, warnings: [] };
  }
  // Without the target's root (not root on the host) the image's directories cannot be
  // listed: each carve-out that needs one is denied below it and warned by the ruleset.
  const { fs, exact } = await targetLandlockFs(
    await options.targetPid(),
    options.binds,
    options.engineStat,
  );
  const ruleset = await landlockRuleset(options.ir, fs, {
    masked: options.masked ?? [],
    entryLists: true,
  });
  if (!exact && !options.engineStat) {
    ruleset.warnings.push(
      "Cannot see the target's filesystem from the host: symlinks outside bind mounts cannot be told from directories",
    );
  }
  await writeLandlockRules(options.publicDir, {
    handle: ["read", "write", "exec"],
    rules: ruleset.rules,
    each: ruleset.each,
  });
  return { applied: true, reason: "", warnings: ruleset.warnings };
}
