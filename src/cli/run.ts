import { parseFlags } from "./args.ts";
import { type Command, showHelp } from "./command.ts";

/** `leash run`: run a command in a governed container. */
export const runCommand: Command = {
  name: "run",
  summary: "Run a command (an AI agent) in a container under policy",
  usage: "leash run [FLAGS] [--] COMMAND [ARGS...]",
  help: [
    "Flags:",
    "  --image IMG                   Target image (else $LEASH_TARGET_IMAGE)",
    "  --policy FILE                 Cedar policy (else ./leash.cedar, else the built-in default)",
    "  --mode record|shadow|enforce  Enforcement mode (default enforce)",
    "",
    "Status: not implemented yet (see README.md, Status).",
  ].join("\n"),
  async run(args, ctx) {
    const flags = parseFlags("run", args, {}, { stopAtPositional: true });
    if (flags.values.help) return await showHelp(this, ctx);
    throw new Error("Cannot run `leash run`: not implemented yet in this version");
  },
};
