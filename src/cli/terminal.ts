/** The host terminal of an interactive `leash run`: raw both ways while the command runs. */

/**
 * Puts the terminal on stdin in raw mode and returns the restorer. Deno's raw mode covers
 * input only and keeps output processing (OPOST: "\n" written as "\r\n"); the container's
 * own terminal already processes the command's output, so the host must pass it through
 * untouched, or a full-screen program that turns processing off in the container would see
 * each line feed become a new line. `stty -opost` turns it off (best effort: without stty
 * the session keeps Deno's raw mode). The restorer puts back the whole mode Deno saved
 * before going raw, OPOST included; it never throws.
 */
export function makeRaw(): () => void {
  Deno.stdin.setRaw(true, { cbreak: false });
  stty(["-opost"]);
  return () => {
    try {
      Deno.stdin.setRaw(false);
    } catch {
      // The terminal hung up: there is no mode left to restore, and teardown must go on.
    }
  };
}

/** Runs stty on the inherited stdin (the terminal); false when it cannot run or fails. */
function stty(args: string[]): boolean {
  try {
    const result = new Deno.Command("stty", {
      args,
      stdin: "inherit",
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return result.success;
  } catch {
    return false;
  }
}
