import type { CliContext } from "./context.ts";

/** One `leash` subcommand. */
export interface Command {
  /** The word typed after `leash`. */
  name: string;
  /** One line shown in `leash --help`. */
  summary: string;
  /** The usage line, e.g. `leash doctor [--json]`. */
  usage: string;
  /** The full text of `leash NAME --help` after the usage line. */
  help: string;
  /** Runs the command and returns its exit code. Throws for errors (exit 1) and UsageError (exit 2). */
  run(args: string[], ctx: CliContext): Promise<number>;
}

/** Renders a command's `--help` text. */
export function commandHelp(command: Command): string {
  return `${command.summary}\n\nUsage: ${command.usage}\n\n${command.help.trimEnd()}\n`;
}

/** Writes a command's help to stdout and returns exit code 0. */
export async function showHelp(command: Command, ctx: CliContext): Promise<number> {
  await ctx.out(commandHelp(command));
  return 0;
}
