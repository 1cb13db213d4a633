import { type Command, commandHelp } from "./command.ts";
import type { CliContext } from "./context.ts";
import { formatError, UsageError } from "./errors.ts";
import { suggest } from "../text/mod.ts";
import { doctorCommand } from "./doctor.ts";
import { policyCommand } from "./policy.ts";
import { runCommand } from "./run.ts";
import { cleanCommand } from "./clean.ts";
import { versionCommand } from "./version.ts";
import { AGENT_COMMANDS } from "./agent.ts";
import { agentsCommand } from "./agents.ts";
import { imageCommand } from "./image.ts";

export { type CliContext, processContext } from "./context.ts";

/** Every subcommand, in the order `leash --help` lists them. */
export const COMMANDS: readonly Command[] = [
  runCommand,
  ...AGENT_COMMANDS,
  agentsCommand,
  imageCommand,
  cleanCommand,
  doctorCommand,
  policyCommand,
  versionCommand,
];

/** Top-level usage text. */
export function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "leash: run AI coding agents in a container under kernel-enforced policy",
    "",
    "Usage: leash COMMAND [FLAGS] [ARGS]",
    "",
    "Commands:",
    ...lines,
    "",
    "Flags:",
    "  -h, --help     Show help (also after any command: leash doctor --help)",
    "  -V, --version  Same as `leash version`",
    "",
    "Environment: NO_COLOR disables colour; LEASH_DEBUG=1 adds stack traces to errors.",
    "",
  ].join("\n");
}

/** Runs the CLI with `args` and returns the process exit code; never throws. */
export async function runCli(args: string[], ctx: CliContext): Promise<number> {
  const [first, ...rest] = args;
  try {
    if (first === undefined || first === "-h" || first === "--help" || first === "help") {
      const target = first === "help" ? findCommand(rest[0]) : undefined;
      await ctx.out(target ? commandHelp(target) : topHelp());
      return first === undefined ? 2 : 0;
    }
    if (first === "-V" || first === "--version") return await versionCommand.run([], ctx);
    const command = findCommand(first);
    if (!command) {
      const known = COMMANDS.map((c) => c.name);
      const hint = suggest(first, first.startsWith("-") ? ["--help", "--version"] : known);
      const kind = first.startsWith("-") ? "flag" : "command";
      throw new UsageError(
        `Unknown ${kind} "${first}"${hint ? `: did you mean "${hint}"?` : ""}`,
      );
    }
    return await command.run(rest, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      const command = findCommand(error.command.split(" ")[0]);
      const usage = command ? command.usage : "leash COMMAND [FLAGS] [ARGS]";
      const helpHint = error.command ? `leash ${error.command} --help` : "leash --help";
      await ctx.err(`error: ${error.message}\n\nUsage: ${usage}\nSee "${helpHint}".\n`);
      return 2;
    }
    await ctx.err(formatError(error, ctx.env("LEASH_DEBUG") === "1") + "\n");
    return 1;
  }
}

function findCommand(name: string | undefined): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
