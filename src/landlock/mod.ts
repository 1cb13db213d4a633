/**
 * Landlock, the file/exec layer leash-entry applies to itself when kernel-lsm is not attached
 * (DESIGN.md §2): the kernel's ABI version, the ruleset computed from the policy IR against the
 * target's filesystem (carve-outs by enumeration), the `landlock.rules` file format leash-entry
 * parses (bpf/helper/landlock.c) and the session's plan that writes it.
 */
export { landlockAbi, type LandlockAnswer } from "./abi.ts";
export {
  type LandlockFs,
  type LandlockMask,
  type LandlockOptions,
  type LandlockRuleset as ComputedLandlockRules,
  landlockRuleset,
} from "./ruleset.ts";
export * from "./rules_file.ts";
export {
  bindLandlockFs,
  type BindMount,
  parseBinds,
  type PathStat,
  rootLandlockFs,
  targetLandlockFs,
} from "./target_fs.ts";
export { type LandlockPlan, type LandlockPlanOptions, planLandlock } from "./plan.ts";
export { writeLandlockRules } from "./write.ts";
