/** Spawns the real leash CLI (`deno run main.ts`) and captures what a user would see. */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** What one CLI invocation printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@linkcode runLeash}. */
export interface RunLeashOptions {
  /** Extra environment variables. @default {} */
  env?: Record<string, string>;
  /** Working directory. @default the current one */
  cwd?: string;
}

/** Runs `leash ARGS...` from source and returns its exit code and output. */
export async function runLeash(args: string[], options: RunLeashOptions = {}): Promise<CliResult> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", MAIN, ...args],
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const output = await command.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
