/**
 * `cmd:` secret sources: the command runs with `sh -c` on the host in its own session, bounded
 * by a timeout after which its whole process group is killed; what it printed on stderr is
 * redacted before any message shows it (a failing vault CLI may echo a token).
 */

/** What a `cmd:` source's process produced; `timedOut` when it was killed at the timeout. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
}

/** How long a `cmd:` source may run. @default 30 s (`LEASH_SECRET_CMD_TIMEOUT` seconds) */
export const DEFAULT_CMD_TIMEOUT_MS = 30_000;

/**
 * Runs `command` with `sh -c`, stdin closed, in a new session; past `timeoutMs` its process
 * group is killed (SIGKILL) and the result says `timedOut`, whatever the children still hold.
 */
export async function runSecretCommand(
  command: string,
  timeoutMs: number = DEFAULT_CMD_TIMEOUT_MS,
): Promise<CommandResult> {
  const child = new Deno.Command("sh", {
    args: ["-c", command],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const output = child.output();
  try {
    const done = await Promise.race([output, expired]);
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    if (done !== "timeout") {
      return { code: done.code, stdout: decode(done.stdout), stderr: decode(done.stderr) };
    }
    killGroup(child.pid);
    // A grandchild outside the group may still hold the pipes: do not wait for them.
    output.catch(() => {});
    return { code: 137, stdout: "", stderr: "", timedOut: true };
  } finally {
    clearTimeout(timer);
  }
}

function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      Deno.kill(target, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Printable runs long enough to be a token (base64, hex, JWT-ish): masked in stderr. */
const TOKEN_LIKE = /[A-Za-z0-9+/=_.-]{20,}/g;

/**
 * `stderr`'s last line, redacted: `known` values (secrets read so far and what the command
 * printed on stdout) and token-like runs masked, control characters dropped, at most 200
 * characters.
 */
export function redactedDetail(stderr: string, known: readonly string[]): string {
  const lines = stderr.trim().split("\n");
  let line = (lines[lines.length - 1] ?? "").trim();
  for (const value of known) {
    if (value.length >= 4) line = line.split(value).join("«redacted»");
  }
  // deno-lint-ignore no-control-regex
  line = line.replace(TOKEN_LIKE, "«redacted»").replace(/[\x00-\x1f\x7f]/g, "");
  return line.length > 200 ? line.slice(0, 200) + "…" : line;
}
