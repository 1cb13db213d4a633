import { parseFlags } from "./args.ts";
import { type Command, showHelp } from "./command.ts";

/** `leash doctor`: the host's enforcement posture. */
export const doctorCommand: Command = {
  name: "doctor",
  summary: "Report which enforcement layers this host supports, with reasons and fixes",
  usage: "leash doctor [--json]",
  help: "Flags:\n  --json  Print the posture as JSON\n",
  async run(args, ctx) {
    const flags = parseFlags("doctor", args, { json: { type: "boolean" } }, {
      allowPositionals: false,
    });
    if (flags.values.help) return await showHelp(this, ctx);
    throw new Error("Cannot run `leash doctor`: not implemented yet in this version");
  },
};
