/**
 * Where an agent's credentials come from: an API key in the host environment (or given with
 * `--secret NAME=SOURCE`) becomes a host-side secret the proxy injects for the agent's API
 * host only, and the container gets a placeholder so the CLI starts; else its login state
 * files, brought in only with `--agent-home mount|copy`.
 */
import { parseSecretSpec } from "../secrets/mod.ts";
import type { AgentCredential, AgentHomeMode, AgentPreset } from "./preset.ts";

/** One key injection: the secret the proxy adds to `header` of requests to `host`. */
export interface KeyInjection {
  /** Secret name the HttpRewrite rule names (its value carries the header's prefix). */
  secret: string;
  host: string;
  header: string;
  /** Where the key comes from, for the banner (`$ANTHROPIC_API_KEY`, `--secret ...`). */
  source: string;
}

/** A secret whose value is another's with a prefix (`Authorization: Bearer KEY`). */
export interface DerivedSecret {
  name: string;
  from: string;
  prefix: string;
}

/** What {@linkcode planCredentials} decided. */
export interface CredentialPlan {
  /** `--secret` specs for the session (the found keys, plus the user's own). */
  secrets: string[];
  /** Secrets made from others with a prefix. */
  derived: DerivedSecret[];
  injections: KeyInjection[];
  /** `KEY=placeholder` entries for the container's environment. */
  placeholders: string[];
}

/** The placeholder the container sees instead of the key in `variable`. */
export function placeholderFor(variable: string): string {
  return `leash-placeholder-${variable}`;
}

/**
 * Maps the preset's credentials to secrets: a `--secret NAME=...` naming one of a credential's
 * variables wins, else the first of its variables set (non-empty) in `env`. Other `--secret`
 * specs pass through unchanged.
 */
export function planCredentials(
  preset: AgentPreset,
  env: (name: string) => string | undefined,
  userSecrets: readonly string[],
): CredentialPlan {
  const given = new Map(userSecrets.map((s) => [parseSecretSpec(s).name, s] as const));
  const plan: CredentialPlan = { secrets: [], derived: [], injections: [], placeholders: [] };
  const used = new Set<string>();
  for (const credential of preset.credentials) {
    const found = findKey(credential, env, given);
    if (found === undefined) continue;
    const name = credential.env[0]!;
    used.add(found.userName ?? "");
    plan.secrets.push(found.spec.replace(/^[^=]*=/, `${name}=`));
    let secret = name;
    if (credential.prefix) {
      secret = `${name}_HEADER`;
      plan.derived.push({ name: secret, from: name, prefix: credential.prefix });
    }
    plan.injections.push({
      secret,
      host: credential.host,
      header: credential.header,
      source: found.source,
    });
    // One variable only: an agent that finds two warns (Gemini CLI: "Both GOOGLE_API_KEY and
    // GEMINI_API_KEY are set") and may pick either; the first is the one it documents.
    plan.placeholders.push(`${name}=${placeholderFor(name)}`);
  }
  for (const [name, spec] of given) if (!used.has(name)) plan.secrets.push(spec);
  return plan;
}

function findKey(
  credential: AgentCredential,
  env: (name: string) => string | undefined,
  given: Map<string, string>,
): { spec: string; source: string; userName?: string } | undefined {
  for (const variable of credential.env) {
    const spec = given.get(variable);
    if (spec !== undefined) {
      return { spec, source: `--secret ${variable}`, userName: variable };
    }
  }
  for (const variable of credential.env) {
    const value = env(variable);
    if (value !== undefined && value !== "") {
      return { spec: `${variable}=env:${variable}`, source: `$${variable}` };
    }
  }
  return undefined;
}

/** The `--agent-home` in effect: the flag, else none with a key, else the preset's default. */
export function chooseHomeMode(
  preset: AgentPreset,
  flag: AgentHomeMode | undefined,
  plan: CredentialPlan,
): AgentHomeMode {
  if (flag !== undefined) return flag;
  return plan.injections.length > 0 ? "none" : preset.loginHome;
}

/** The one line shown when an agent has neither an API key nor login state. */
export function noCredentialsMessage(preset: AgentPreset, home: string): string {
  const keys = preset.credentials.map((c) => c.env[0]).join(" or ");
  const files = preset.loginState.map((p) => `~/${p}`).join(", ");
  return `No credentials for ${preset.title}: export ${keys} (the proxy injects it; the container sees a placeholder), or log in once on this host with "${preset.command}" (it keeps its login in ${files} under ${home}) and leash brings it in with --agent-home ${preset.loginHome}`;
}
