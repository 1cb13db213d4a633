/** Where a command writes and what it knows of its environment; passed in so commands are testable. */
export interface CliContext {
  /** Writes text to standard output. */
  out(text: string): Promise<void>;
  /** Writes text to standard error. */
  err(text: string): Promise<void>;
  /** Reads an environment variable. */
  env(name: string): string | undefined;
  /** Whether ANSI colour may be used on standard output. */
  color: boolean;
}

/** Creates the context of the real process: Deno's stdio and environment. */
export function processContext(): CliContext {
  const encoder = new TextEncoder();
  const write = async (stream: typeof Deno.stdout, text: string) => {
    const bytes = encoder.encode(text);
    let written = 0;
    while (written < bytes.length) written += await stream.write(bytes.subarray(written));
  };
  const env = (name: string) => Deno.env.get(name);
  return {
    out: (text) => write(Deno.stdout, text),
    err: (text) => write(Deno.stderr, text),
    env,
    color: env("NO_COLOR") === undefined && Deno.stdout.isTerminal(),
  };
}

/** Wraps `text` in an ANSI style when colour is on. */
export function paint(
  ctx: CliContext,
  style: "bold" | "red" | "green" | "yellow" | "dim",
  text: string,
): string {
  if (!ctx.color) return text;
  const codes = { bold: 1, red: 31, green: 32, yellow: 33, dim: 2 } as const;
  return `\x1b[${codes[style]}m${text}\x1b[0m`;
}
