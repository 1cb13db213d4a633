/**
 * The messages a failed session ends with: each names what stopped, in which BOOT phase, and
 * what to do about it (DESIGN.md §3). Pure, apart from reading a log's tail for a dead container.
 */
import { describeEntryExit } from "./exit_codes.ts";
import { MARKER_NAMES } from "./markers.ts";
import { ManagerExit, TargetExit } from "./host_util.ts";
import { BootError } from "./boot_error.ts";

/** The image is not in the local store. */
export function imageNotFound(image: string, cause: unknown): BootError {
  return new BootError(
    `Cannot use image "${image}": image not found locally: build or load it (leash never pulls)`,
    "image",
    { cause },
  );
}

/** leash-entry wrote a `leash-entry.ready` of another BOOT protocol version. */
export function entryVersionMismatch(cause: unknown): BootError {
  return new BootError(
    `Cannot start the session: leash-entry in the target does not speak BOOT protocol 1: version mismatch: upgrade both halves`,
    "entry",
    { cause },
  );
}

/** No `leash-entry.ready` within the grace: the entrypoint is not ours. */
export function entryNotReady(graceMs: number): BootError {
  return new BootError(
    `Cannot start the session: the target's entrypoint did not write "${MARKER_NAMES.entryReady}" within ${
      graceMs / 1000
    } s: version mismatch: upgrade both halves (or the image overrides /leash)`,
    "entry",
  );
}

/** The manager's hello names another control protocol. */
export function managerProtocolMismatch(protocol: number): BootError {
  return new BootError(
    `Cannot start the session: the manager speaks control protocol ${protocol}, this leash speaks 1: version mismatch: upgrade both halves`,
    "manager",
  );
}

/** No `bootstrap.ready` before the deadline; `targetLog` is the target's log file. */
export function bootstrapTimeout(timeoutS: number, targetLog: string): BootError {
  return new BootError(
    `Cannot start the session: bootstrap timeout after ${timeoutS} s in phase "bootstrap": leash-entry did not write "${MARKER_NAMES.bootstrapReady}"; likely cause: the CA install is stuck (update-ca-certificates blocked or slow); raise --bootstrap-timeout or check ${targetLog}`,
    "bootstrap",
  );
}

/** leash-entry found no cgroup v2 path to activate on. */
export function noCgroup(): BootError {
  return new BootError(
    "Cannot activate enforcement: leash-entry found no cgroup v2 path for the target; the host needs a cgroup2 hierarchy (pure v2 or /sys/fs/cgroup/unified)",
    "activation",
  );
}

/** The manager refused `activate`; `managerLog` is its log file. */
export function activateFailed(cause: Error, managerLog: string): BootError {
  return new BootError(
    `Cannot activate enforcement: ${cause.message}; see ${managerLog}`,
    "activation",
    { cause },
  );
}

/** A layer `--require` asked for, with why it is not active. */
export interface MissingLayer {
  name: string;
  status: string;
  reason: string;
}

/** Layers `--require` asked for are not active. */
export function requiredMissing(missing: readonly MissingLayer[]): BootError {
  return new BootError(
    `Cannot start the session: --require ${
      missing.map((l) => `"${l.name}"`).join(", ")
    } not active: ${missing.map((l) => `${l.name}: ${l.reason}`).join("; ")}`,
    "activation",
  );
}

/** A signal arrived before the command started. */
export function interrupted(signal: string, phase: string): BootError {
  return new BootError(
    `Cannot start the session: interrupted by ${signal} during ${phase}`,
    phase,
  );
}

/** A wait on the manager (`what` did not happen) outlived the bootstrap deadline. */
export function managerTimeout(
  timeoutS: number,
  phase: string,
  what: string,
  managerLog: string,
): BootError {
  return new BootError(
    `Cannot start the session: bootstrap timeout after ${timeoutS} s in phase "${phase}": ${what}; see ${managerLog}`,
    phase,
  );
}

/**
 * Turns a container's death during boot (`TargetExit`, `ManagerExit`) into the phase's
 * message with the exit status and the last lines of its log (`tail` of "target.log" or
 * "manager.log"); any other error is returned as it is.
 */
export async function explainExit(
  error: unknown,
  phase: string,
  tail: (log: "target.log" | "manager.log") => Promise<string>,
): Promise<unknown> {
  if (error instanceof TargetExit) {
    const last = await tail("target.log");
    const meaning = describeEntryExit(error.status);
    return new BootError(
      `Cannot start the session: the target exited with status ${error.status} during ${phase}${
        meaning ? ` (leash-entry: ${meaning})` : ""
      }${last ? `; its last output:\n${last}` : ""}`,
      phase,
    );
  }
  if (error instanceof ManagerExit) {
    const last = await tail("manager.log");
    return new BootError(
      `Cannot start the session: the manager exited with status ${error.status} during ${phase}${
        last ? `; its last output:\n${last}` : ""
      }`,
      phase,
    );
  }
  return error;
}

/** The manager died after the command started: the session failed closed. */
export function managerDiedInSteady(
  status: number | undefined,
  tail: string,
  managerLog: string,
): BootError {
  return new BootError(
    `The session stopped: the manager exited with status ${status} after enforcement started; without it nothing enforces the policy or relays egress, so the command was stopped (fail closed)${
      tail ? `; the manager's last output:\n${tail}` : `; see ${managerLog}`
    }`,
    "steady",
  );
}

/** Docker lost the target before reporting the command's status. */
export function targetVanished(): BootError {
  return new BootError("Cannot get the command's exit status: the target vanished", "steady");
}
