/**
 * The attempt table's shape and its runner script. An attempt is one row: its class, a name,
 * the session it runs in, a shell script the agent runs, and a judge of the observable outcome.
 * New classes add rows, not machinery. All attempts of a session run in ONE `leash run`: the
 * runner script (written to the workspace, which is the session's working directory) runs each
 * attempt's script with a time limit, a few at a time, and prints one machine-readable line
 * per attempt: `@@attempt NAME BASE64(output + "exit=N")`.
 */
import { join } from "node:path";
import type { LoggingUpstream } from "./_upstream.ts";
import type { Witness } from "./_witness.ts";

/** The sessions attempts run in; each has its own policy (see _world.ts). */
export type SessionKind = "net" | "http" | "contain";

/** Everything a judge may look at once the sessions ended. */
export interface Outcome {
  /** What the attempt's script printed (stdout and stderr), then `exit=N` (124: time limit). */
  out: string;
  /** The session's events.ndjson, parsed. */
  events: Record<string, unknown>[];
  witness: Witness;
  /** The logging upstreams by name. */
  upstreams: Map<string, LoggingUpstream>;
  /** The secret value injected for echo.test (never to be seen by the agent). */
  secret: string;
  /** Every file of the session's directory (logs, public dir) as latin1 text, by path. */
  files: Map<string, string>;
}

/** One adversarial attempt. */
export interface Attempt {
  /** The class it belongs to, e.g. "host-reach" (issue 9's class 2). */
  class: string;
  /** Unique, `[a-z0-9-]+`; also the tag the attempt puts in what it sends. */
  name: string;
  session: SessionKind;
  /**
   * Bash run by the agent; the world's variables ($WP, $PA, $ETH4, ...) are set, `adv` is the
   * node probe (`node adv.js`), `advprobe`/`netprobe` the static probes; `$TAG` is the name.
   */
  sh: string;
  /** Throws (assert) when the outcome shows the attempt got through. */
  judge: (o: Outcome) => void;
  /** Runs alone after the others (floods that would starve concurrent attempts). @default false */
  serial?: boolean;
  /** Why it cannot run on this host; the test is then ignored with this reason printed. */
  ignore?: string;
}

/** `{ ignore: reason }` when `present` is undefined (a host without that address), else `{}`. */
export function needs(present: unknown, reason: string): Pick<Attempt, "ignore"> {
  return present === undefined ? { ignore: reason } : {};
}

/** Per-attempt time limit inside the container, in seconds. */
export const ATTEMPT_SECONDS = 25;

const NAME = /^[a-z0-9-]+$/;

/**
 * Writes the runner for `attempts` into `dir` (the session's workspace): `adv.js`, one script
 * per attempt under `attempts/`, and `run.sh`, which the session runs with bash.
 */
export async function writeRunner(
  dir: string,
  attempts: Attempt[],
  vars: Record<string, string>,
  nodeProgram: string,
): Promise<void> {
  await Deno.mkdir(join(dir, "attempts"), { recursive: true });
  await Deno.writeTextFile(join(dir, "adv.js"), nodeProgram);
  const prelude = Object.entries(vars).map(([k, v]) => `${k}='${v}'`).join("\n");
  for (const a of attempts) {
    if (!NAME.test(a.name)) throw new TypeError(`Invalid attempt name "${a.name}": use [a-z0-9-]`);
    await Deno.writeTextFile(
      join(dir, "attempts", `${a.serial ? "serial" : "parallel"}.${a.name}.sh`),
      `${prelude}\nTAG='${a.name}'\nadv() { node "$ADV_DIR/adv.js" "$@"; }\n${a.sh}\n`,
    );
  }
  await Deno.writeTextFile(
    join(dir, "run.sh"),
    `# One line per attempt: @@attempt NAME BASE64(output)
export ADV_DIR="$PWD"
mkdir -p /tmp/adv-out
one() {
  name=\${1#*.}; name=\${name%.sh}
  timeout ${ATTEMPT_SECONDS} bash "attempts/$1" </dev/null >"/tmp/adv-out/$name" 2>&1
  echo "exit=$?" >>"/tmp/adv-out/$name"
}
export -f one
cd "$ADV_DIR"
emit() { printf '@@attempt %s %s\\n' "$1" "$(base64 -w0 <"/tmp/adv-out/$1")"; }
ls attempts | grep '^parallel\\.' | xargs -P 4 -I{} bash -c 'one {}'
for f in /tmp/adv-out/*; do emit "$(basename "$f")"; done
# Floods one at a time, each reported as soon as it ends (a flood that kills the session
# loses only what comes after it).
for f in $(ls attempts | grep '^serial\\.'); do
  one "$f"
  name=\${f#*.}; emit "\${name%.sh}"
done
`,
  );
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/** The outputs by attempt name, from the runner's `@@attempt` lines. */
export function parseRunnerOutput(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const m = /^@@attempt (\S+) (\S*)$/.exec(line);
    if (!m) continue;
    const bytes = Uint8Array.from(atob(m[2]!), (c) => c.charCodeAt(0));
    // Control bytes (a WebSocket frame's NULs) would make the test log binary to grep.
    const text = new TextDecoder().decode(bytes).replace(
      CONTROL,
      (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
    );
    out.set(m[1]!, text);
  }
  return out;
}
