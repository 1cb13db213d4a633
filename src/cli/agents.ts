/** `leash agents` (the presets) and `leash agents show NAME` (a preset's whole policy). */
import {
  type AgentPreset,
  composePolicy,
  findLoginState,
  findPreset,
  type KeyInjection,
  presetNames,
  PRESETS,
  readPresetPolicy,
} from "../agents/mod.ts";
import { DockerClient } from "../docker/mod.ts";
import { AGENT_RECIPE, agentImageRecipe, agentImageTag, debianImageTag } from "../images/mod.ts";
import { withWorkspace } from "../session/mod.ts";
import { suggest } from "../text/mod.ts";
import { parseFlags } from "./args.ts";
import { type Command, showHelp } from "./command.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";

/** `leash agents`: the presets, their images, hosts and credentials. */
export const agentsCommand: Command = {
  name: "agents",
  summary: "List the agent presets (leash claude, codex, gemini, opencode) or show one's policy",
  usage: "leash agents [show NAME]",
  help: [
    "Without arguments, lists each preset: its npm package and pinned version, its image tag",
    "(built or not), the hosts its policy allows, and its credentials with where they come from.",
    "",
    "  show NAME   Prints the preset's Cedar policy as a session gets it in this directory:",
    "              the preset file, the key injections, the telemetry forbid, this directory",
    "              read-write. Save it, edit it, and pass it with --policy-replace FILE.",
  ].join("\n"),
  async run(args, ctx) {
    const flags = parseFlags("agents", args, {});
    if (flags.values.help) return await showHelp(this, ctx);
    const [sub, name, extra] = flags.positionals;
    if (sub === undefined) return await listAgents(ctx);
    if (sub !== "show") {
      throw new UsageError(`Unknown subcommand "${sub}": use leash agents show NAME`, "agents");
    }
    if (name === undefined || extra !== undefined) {
      throw new UsageError("Write leash agents show NAME (one preset name)", "agents");
    }
    await ctx.out(await presetPolicyText(presetOrUsage(name, "agents"), Deno.cwd()));
    return 0;
  },
};

/** The preset called `name`; a usage error listing the presets otherwise. */
export function presetOrUsage(name: string, command: string): AgentPreset {
  const preset = findPreset(name);
  if (preset) return preset;
  const hint = suggest(name, presetNames());
  throw new UsageError(
    `Unknown agent "${name}"${hint ? `: did you mean "${hint}"?` : ""} (presets: ${
      presetNames().join(", ")
    })`,
    command,
  );
}

/** A preset's policy as a session in `cwd` with every key found gets it. */
export async function presetPolicyText(preset: AgentPreset, cwd: string): Promise<string> {
  const injections: KeyInjection[] = preset.credentials.map((c) => ({
    secret: c.prefix ? `${c.env[0]}_HEADER` : c.env[0]!,
    host: c.host,
    header: c.header,
    source: `$${c.env.join(" or $")} (when set)`,
  }));
  return withWorkspace(composePolicy(preset, await readPresetPolicy(preset), { injections }), cwd);
}

async function listAgents(ctx: CliContext): Promise<number> {
  const images = await imageTags(ctx);
  const rows = [["AGENT", "PACKAGE", "IMAGE", "HOSTS ALLOWED", "CREDENTIALS"]];
  for (const preset of PRESETS) {
    const login = await findLoginState(preset, ctx.env("HOME") ?? "/");
    const keys = preset.credentials.map((c) => {
      const set = c.env.find((v) => (ctx.env(v) ?? "") !== "");
      return `${c.env.join("/")} ${set ? `(set: $${set}, injected by the proxy)` : "(not set)"}`;
    });
    const files = preset.loginState.map((p) =>
      `~/${p}${login.present.includes(p) ? " (found)" : ""}`
    );
    rows.push([
      preset.name,
      `${preset.package.name}@${preset.package.version}`,
      images.get(preset.name) ?? "",
      preset.hosts.filter((h) => h.purpose === "api" || h.purpose === "auth").map((h) => h.host)
        .join(", "),
      `${keys.join("; ")}; login: ${files.join(", ")} with --agent-home`,
    ]);
  }
  const widths = rows[0]!.slice(0, -1).map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r.map((cell, i) => i < widths.length ? cell.padEnd(widths[i]!) : cell).join("  ")
  );
  await ctx.out(
    lines.join("\n") +
      "\n\nTelemetry and update hosts are denied unless --allow-telemetry; leash agents show NAME prints a policy.\n",
  );
  return 0;
}

/** Each preset's image tag and whether it is built, when an engine answers. */
async function imageTags(ctx: CliContext): Promise<Map<string, string>> {
  const tags = new Map<string, string>();
  let docker: DockerClient;
  try {
    docker = await DockerClient.connect({ env: (name) => ctx.env(name) });
  } catch {
    for (const p of PRESETS) tags.set(p.name, "(no Docker engine)");
    return tags;
  }
  try {
    const baseTag = await debianImageTag(AGENT_RECIPE);
    if (!await docker.images.exists(baseTag)) {
      for (const p of PRESETS) tags.set(p.name, `(not built; base ${baseTag} missing)`);
      return tags;
    }
    for (const preset of PRESETS) {
      const { recipe } = await agentImageRecipe(docker, preset, { baseTag });
      const tag = await agentImageTag(recipe);
      tags.set(
        preset.name,
        `${tag} ${await docker.images.exists(tag) ? "(built)" : "(not built)"}`,
      );
    }
  } finally {
    docker.close();
  }
  return tags;
}
