/** `leash claude|codex|gemini|opencode`: `leash run --agent NAME` under the agent's name. */
import { type AgentPreset, PRESETS } from "../agents/mod.ts";
import { type Command, showHelp } from "./command.ts";
import { UsageError } from "./errors.ts";
import { runCommand } from "./run.ts";

/** The command that runs `preset` (`leash claude [FLAGS] [--] [ARGS...]`). */
export function agentCommand(preset: AgentPreset): Command {
  return {
    name: preset.name,
    summary: `Run ${preset.title} under its preset policy (leash run --agent ${preset.name})`,
    usage: `leash ${preset.name} [FLAGS] [--] [${preset.command.toUpperCase()} ARGS...]`,
    help: [
      `Starts ${preset.command} (${preset.package.name}@${preset.package.version}) in the current`,
      `directory in a container of its image (built the first time, see leash image build`,
      `${preset.name}), under the preset policy (leash agents show ${preset.name}). Arguments after`,
      `the flags, or after --, go to ${preset.command}: leash ${preset.name} -- ${preset.nonInteractive}.`,
      "",
      "Credentials: " + preset.credentials.map((c) => c.env.join("/")).join(", ") +
      " from this shell (or --secret NAME=SOURCE) are injected by the host proxy; the container",
      "sees a placeholder. Without a key, its login state comes in with --agent-home.",
      "",
      "Every flag of leash run applies (leash run --help), and:",
      "  --yolo                        " +
      (preset.yolo.args.length > 0
        ? `Pass ${preset.yolo.args.join(" ")}`
        : `Set ${Object.keys(preset.yolo.env ?? {}).join(", ")}`) +
      " (its prompts off)",
      `  --agent-home mount|copy|none  Bring in ${
        preset.loginState.map((p) => `~/${p}`).join(", ")
      } (default:`,
      `                                none with an API key, else ${preset.loginHome})`,
      "  --policy FILE                 Rules added to the preset's policy",
      "  --policy-replace FILE         A policy used instead of the preset's",
      "  --allow-telemetry             Let its telemetry and update hosts through",
      "  --image IMG                   Your own image with the agent instead of the preset's",
    ].join("\n"),
    async run(args, ctx) {
      if (args[0] === "-h" || args[0] === "--help") return await showHelp(this, ctx);
      try {
        return await runCommand.run(["--agent", preset.name, ...args], ctx);
      } catch (error) {
        if (!(error instanceof UsageError) || error.command !== "run") throw error;
        const hint = /^Unknown flag "-/.test(error.message)
          ? ` (arguments for ${preset.command} go after --: leash ${preset.name} -- ARGS)`
          : "";
        throw new UsageError(`${error.message}${hint}`, preset.name, { cause: error.cause });
      }
    },
  };
}

/** One command per preset. */
export const AGENT_COMMANDS: readonly Command[] = PRESETS.map(agentCommand);
