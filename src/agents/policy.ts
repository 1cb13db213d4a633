/**
 * A preset's policy: its readable Cedar file (`policies/NAME.cedar`, read relative to this
 * module under `deno run` and from the files a release includes) plus what leash generates
 * for the session: the key injections for the credentials it found and the forbid of the
 * telemetry and update hosts.
 */
import type { AgentPreset, HostPurpose } from "./preset.ts";
import type { CredentialPlan } from "./credentials.ts";

/** The Cedar files of the presets, relative to the repository (a release includes them). */
export const POLICY_DIR = "src/agents/policies";

/** Reads a preset's Cedar file; throws naming the file when it cannot. */
export async function readPresetPolicy(preset: AgentPreset): Promise<string> {
  const url = new URL(`./policies/${preset.policyFile}`, import.meta.url);
  try {
    return await Deno.readTextFile(url);
  } catch (error) {
    throw new Error(
      `Cannot read the ${preset.title} preset policy "${preset.policyFile}": the leash build lacks ${POLICY_DIR}/`,
      { cause: error },
    );
  }
}

/** Options of {@linkcode composePolicy}. */
export interface ComposePolicyOptions {
  /** The key injections to generate (one per credential found). @default none */
  injections?: readonly CredentialPlan["injections"][number][];
  /** `--allow-telemetry`: no forbid of the telemetry and update hosts. @default false */
  allowTelemetry?: boolean;
  /** `--policy FILE`'s text, appended after the preset. @default none */
  extra?: { label: string; text: string } | undefined;
}

/** The hosts `--allow-telemetry` lets through: telemetry and update checks. */
export const OPT_IN_PURPOSES: readonly HostPurpose[] = ["telemetry", "update"];

/**
 * The preset's policy for a session: `base` (its Cedar file, or `--policy-replace`'s), the
 * HttpRewrite permits injecting each found key for its API host only, a forbid of the
 * telemetry/update hosts (or their permit with `allowTelemetry`), then `--policy FILE`.
 */
export function composePolicy(
  preset: AgentPreset,
  base: string,
  options: ComposePolicyOptions = {},
): string {
  const parts = [base.trimEnd()];
  for (const injection of options.injections ?? []) {
    parts.push(
      [
        `// Added by leash: ${injection.source} is injected by the host proxy; the container`,
        `// holds only a placeholder.`,
        `@id("${preset.name}-key-${injection.secret.toLowerCase().replaceAll("_", "-")}")`,
        `permit (principal, action == Action::"HttpRewrite", resource in Host::"${injection.host}")`,
        `when { context.header == "${injection.header}" && context.secret == "${injection.secret}" };`,
      ].join("\n"),
    );
  }
  const optIn = preset.hosts.filter((h) => OPT_IN_PURPOSES.includes(h.purpose));
  if (optIn.length > 0) {
    const list = optIn.map((h) => `    Host::"${h.host}", // ${h.purpose}: ${h.note}`);
    const allow = options.allowTelemetry === true;
    parts.push(
      [
        allow
          ? "// Added by leash (--allow-telemetry): the agent's telemetry and update hosts."
          : "// Added by leash: the agent's telemetry and update hosts, denied (--allow-telemetry lifts it).",
        `@id("${preset.name}-telemetry")`,
        `${allow ? "permit" : "forbid"} (principal, action == Action::"NetworkConnect", resource)`,
        "when {",
        "  resource in [",
        ...list.map((line, i) => i === list.length - 1 ? line.replace(", //", "  //") : line),
        "  ]",
        "};",
      ].join("\n"),
    );
  }
  for (const [i, t] of (preset.telemetryPaths ?? []).entries()) {
    const allow = options.allowTelemetry === true;
    parts.push(
      [
        `// Added by leash${allow ? " (--allow-telemetry)" : ""}: ${t.note}.`,
        `@id("${preset.name}-telemetry-path${i === 0 ? "" : `-${i + 1}`}")`,
        `${
          allow ? "permit" : "forbid"
        } (principal, action == Action::"HttpRequest", resource in Host::"${t.host}")`,
        `when { context.path like "${t.path}" };`,
      ].join("\n"),
    );
  }
  if (options.extra !== undefined) {
    parts.push(`// Added from --policy ${options.extra.label}:\n${options.extra.text.trimEnd()}`);
  }
  return parts.join("\n\n") + "\n";
}
