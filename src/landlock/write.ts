/** The host's write of `landlock.rules` into the session's public dir, atomic as DESIGN.md §3 requires. */
import { join } from "node:path";
import { MARKER_NAMES } from "../boot/mod.ts";
import { writeFileAtomic } from "../fs/mod.ts";
import { encodeLandlockRules, type LandlockRuleset } from "./rules_file.ts";

/** Writes `landlock.rules` into `dir`; do it before `writeEnforcementActive()`. */
export async function writeLandlockRules(dir: string, ruleset: LandlockRuleset): Promise<void> {
  await writeFileAtomic(join(dir, MARKER_NAMES.landlockRules), encodeLandlockRules(ruleset));
}
