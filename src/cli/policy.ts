import { parseFlags } from "./args.ts";
import { type Command, showHelp } from "./command.ts";

/** `leash policy`: check, explain, evaluate and format Cedar policies. */
export const policyCommand: Command = {
  name: "policy",
  summary: "Check, explain, evaluate and format Cedar policies",
  usage: "leash policy check|explain|eval|fmt FILE [ARGS]",
  help: [
    "Subcommands:",
    "  check FILE                          Validate a policy and summarise its rules per layer",
    "  explain FILE [--json]               Print the compiled rules per enforcement layer",
    "  eval FILE ACTION RESOURCE [--json]  Answer one request as a session would",
    "  fmt FILE [--write]                  Normalise formatting",
    "",
    "Status: not implemented yet (see README.md, Status).",
  ].join("\n"),
  async run(args, ctx) {
    const flags = parseFlags("policy", args, {});
    if (flags.values.help || flags.positionals.length === 0) return await showHelp(this, ctx);
    throw new Error("Cannot run `leash policy`: not implemented yet in this version");
  },
};
