/**
 * leash-entry's exit codes (bpf/helper/entry_util.h), so the host can say what failed.
 * Any other status is the command's own.
 */
export const ENTRY_EXIT_CODES: Readonly<Record<number, string>> = {
  110: "usage: no command given",
  111: "bad environment (LEASH_SESSION_NONCE, LEASH_USER or LEASH_BOOTSTRAP_TIMEOUT)",
  112: "cannot write a marker in /leash",
  113: "CA install failed",
  114: "bootstrap timeout",
  115: "protocol mismatch with the host (enforcement.active or landlock.rules)",
  116: "Landlock could not be applied",
  117: "privilege drop failed",
  118: "internal error",
  119: "cannot hold the lifeline to the manager: the command was not started",
  120:
    "the lifeline to the manager closed (the manager exited): every process of the command was killed",
  126: "command not executable or denied",
  127: "command not found",
};

/** leash-entry's status when it could not hold the lifeline: the command never started. */
export const ENTRY_EXIT_LIFELINE = 119;

/** leash-entry's status when the manager went away while the command ran. */
export const ENTRY_EXIT_LIFELINE_LOST = 120;

/** What an exit status of the target means, or undefined when it is the command's own. */
export function describeEntryExit(status: number): string | undefined {
  return ENTRY_EXIT_CODES[status];
}
