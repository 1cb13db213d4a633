/**
 * Degraded sessions (issue 10 class 9): in enforce mode, a session whose file and exec rules no
 * layer enforces (neither kernel-lsm nor Landlock) does not start unless the user says so with
 * `--allow-degraded`; the banner alone saying "off" is too easy to miss.
 */
import { BootError, requiredMissing } from "../boot/mod.ts";
import { missingRequired, type SessionLayer } from "./posture.ts";

/** The layers that can enforce the policy's file and exec rules. */
export const FILE_EXEC_LAYERS = ["kernel-lsm", "landlock"] as const;

/**
 * The file/exec layers, each off, when none enforces in `mode` "enforce"; empty when one does
 * (or in record and shadow mode, which enforce nothing by request).
 */
export function unenforcedFileExec(
  layers: readonly SessionLayer[],
  mode: "record" | "shadow" | "enforce",
): SessionLayer[] {
  if (mode !== "enforce") return [];
  const fileExec = layers.filter((l) => (FILE_EXEC_LAYERS as readonly string[]).includes(l.name));
  return fileExec.some((l) => l.status !== "off") ? [] : fileExec;
}

/** The refusal to start a session whose file/exec rules `off` layers would not enforce. */
export function degradedRefused(off: readonly SessionLayer[]): BootError {
  return new BootError(
    `Cannot start the session: no layer enforces the policy's file and exec rules (${
      off.map((l) => `${l.name}: ${l.reason}`).join("; ")
    }); run on a kernel with BPF LSM ("bpf" in lsm=) or Landlock (see leash doctor), or pass --allow-degraded to run with only the network enforced`,
    "activation",
  );
}

/** What the session's options refuse in a measured posture. */
export interface PostureDemands {
  require: Parameters<typeof missingRequired>[1];
  mode: "record" | "shadow" | "enforce";
  allowDegraded?: boolean | undefined;
}

/** Throws when a required layer is missing or, without --allow-degraded, no file/exec layer enforces. */
export function refuseUnwantedPosture(
  layers: readonly SessionLayer[],
  demands: PostureDemands,
): void {
  const missing = missingRequired(layers, demands.require);
  if (missing.length > 0) throw requiredMissing(missing);
  const unenforced = unenforcedFileExec(layers, demands.mode);
  if (unenforced.length > 0 && !demands.allowDegraded) throw degradedRefused(unenforced);
}
