/** The host's writes into the session's public dir, atomic as DESIGN.md §3 requires. */
import { join } from "node:path";
import { writeFileAtomic } from "../fs/mod.ts";
import { encodeEnforcementActive, type EnforcementActiveOptions, MARKER_NAMES } from "./markers.ts";

/** Writes `enforcement.active` into `dir`: from here on leash-entry may start the command. */
export async function writeEnforcementActive(
  dir: string,
  nonce: string,
  layers: readonly string[],
  options: EnforcementActiveOptions = {},
): Promise<void> {
  await writeFileAtomic(
    join(dir, MARKER_NAMES.enforcementActive),
    encodeEnforcementActive(nonce, layers, options),
  );
}
