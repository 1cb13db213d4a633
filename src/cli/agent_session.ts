/**
 * `leash claude|codex|gemini|opencode` and `leash run --agent NAME`: turns a preset into what
 * `leash run` starts — image (built on demand), command, policy, placeholders, secrets, the
 * login-state binds — and the banner lines that say what the session lets the agent do.
 */
import { join } from "node:path";
import {
  agentHomeBinds,
  type AgentHomeMode,
  type AgentPreset,
  chooseHomeMode,
  composePolicy,
  CONTAINER_HOME,
  type CredentialPlan,
  findLoginState,
  type LoginState,
  noCredentialsMessage,
  OPT_IN_PURPOSES,
  planCredentials,
  readPresetPolicy,
} from "../agents/mod.ts";
import type { DockerClient } from "../docker/mod.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";
import { giveBackAsRoot } from "./agent_home_owner.ts";
import { emptyAsRoot } from "./agent_home_removal.ts";
import { ensureAgentImageFor } from "./image_build.ts";

/** What the user asked of an agent session. */
export interface AgentRequest {
  preset: AgentPreset;
  /** Arguments for the agent's own command. */
  args: string[];
  yolo: boolean;
  /** `--agent-home`. @default per agent */
  home?: AgentHomeMode | undefined;
  allowTelemetry: boolean;
  /** `--policy FILE`: added to the preset. */
  policyAdd?: string | undefined;
  /** `--policy-replace FILE`: instead of the preset's Cedar file. */
  policyReplace?: string | undefined;
  /** `--secret` specs as given. */
  secrets: string[];
  /** `--image IMG`: the user's own image instead of the preset's. */
  image?: string | undefined;
}

/** The checks done before anything starts: credentials and login state. */
export interface AgentPlan {
  request: AgentRequest;
  credentials: CredentialPlan;
  login: LoginState;
  home: AgentHomeMode;
}

/** The parsed `--agent-home` value; a usage error otherwise. */
export function parseHomeMode(
  text: string | undefined,
  command: string,
): AgentHomeMode | undefined {
  if (text === undefined) return undefined;
  if (text === "mount" || text === "copy" || text === "none") return text;
  throw new UsageError(`Invalid --agent-home "${text}": use mount, copy or none`, command);
}

/**
 * Decides credentials and the agent home before any container: no API key and no login state
 * to bring in is a usage error with the one line that says both ways to log in.
 */
export async function planAgent(
  request: AgentRequest,
  ctx: CliContext,
  command: string,
): Promise<AgentPlan> {
  const { preset } = request;
  let credentials: CredentialPlan;
  try {
    credentials = planCredentials(preset, (name) => ctx.env(name), request.secrets);
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
  const hostHome = ctx.env("HOME") ?? "/";
  const login = await findLoginState(preset, hostHome);
  const home = chooseHomeMode(preset, request.home, credentials);
  const noKey = credentials.injections.length === 0;
  if (noKey && (login.present.length === 0 || home === "none")) {
    throw new UsageError(noCredentialsMessage(preset, hostHome), command);
  }
  for (const path of [request.policyAdd, request.policyReplace]) {
    if (path !== undefined && !await isFile(path)) {
      throw new UsageError(`Cannot read policy "${path}": no such file`, command);
    }
  }
  return { request, credentials, login, home };
}

/** What `leash run` needs from an agent plan. */
export interface AgentSession {
  image: string;
  command: string[];
  policy: { text: string; label: string; path?: string | undefined };
  env: string[];
  volumes: string[];
  secrets: string[];
  derived: CredentialPlan["derived"];
  /**
   * Removes the login-state copy (`--agent-home copy`) or gives a mounted one back to the user
   * (`mount`); uses Docker: call it before closing.
   */
  cleanup(): Promise<void>;
}

/** Builds the image if needed, composes the policy, binds the home, prints the banner lines. */
export async function prepareAgentSession(
  plan: AgentPlan,
  ctx: CliContext,
  docker: DockerClient,
  scratch: string,
): Promise<AgentSession> {
  const { request, credentials } = plan;
  const { preset } = request;
  const image = request.image ?? (await ensureAgentImageFor(docker, preset, ctx, {})).tag;
  const base = request.policyReplace !== undefined
    ? await Deno.readTextFile(request.policyReplace)
    : await readPresetPolicy(preset);
  const extra = request.policyAdd === undefined
    ? undefined
    : { label: request.policyAdd, text: await Deno.readTextFile(request.policyAdd) };
  const text = composePolicy(preset, base, {
    injections: credentials.injections,
    allowTelemetry: request.allowTelemetry,
    extra,
  });
  const label = request.policyReplace !== undefined
    ? `${preset.name} preset replaced by ${request.policyReplace}`
    : `${preset.name} preset${extra ? ` + ${extra.label}` : ""}`;
  const binds = await agentHomeBinds(
    plan.home,
    plan.login,
    join(scratch, "agent-home"),
    {
      empty: (dir) => emptyAsRoot(docker, image, dir),
      giveBack: (paths) =>
        giveBackAsRoot(docker, image, paths, { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0 }),
    },
  );
  const env = [...credentials.placeholders];
  if (!request.allowTelemetry) {
    for (const [k, v] of Object.entries(preset.quietEnv ?? {})) env.push(`${k}=${v}`);
  }
  if (request.yolo) {
    for (const [k, v] of Object.entries(preset.yolo.env ?? {})) env.push(`${k}=${v}`);
  }
  const command = [preset.command, ...(request.yolo ? preset.yolo.args : []), ...request.args];
  await ctx.err(bannerLines(plan, image, binds.volumes).map((l) => `leash: ${l}\n`).join(""));
  return {
    image,
    command,
    policy: { text, label, path: request.policyAdd ?? request.policyReplace },
    env,
    volumes: binds.volumes,
    secrets: credentials.secrets,
    derived: credentials.derived,
    cleanup: binds.cleanup,
  };
}

/** The agent's banner lines: package, credentials, home, telemetry, yolo. */
export function bannerLines(plan: AgentPlan, image: string, volumes: string[]): string[] {
  const { request, credentials, login } = plan;
  const { preset } = request;
  const lines = [
    `agent ${preset.title} (${preset.package.name}@${preset.package.version}) · image ${image}`,
  ];
  for (const i of credentials.injections) {
    lines.push(
      `credentials: ${i.source} is injected by the host proxy as ${i.header} for ${i.host} only; the container holds a placeholder`,
    );
  }
  const files = login.present.map((p) => `~/${p}`).join(", ");
  if (plan.home === "none" || volumes.length === 0) {
    lines.push(
      `agent home: none: no login state enters the container${
        files ? ` (${files} stay on the host; --agent-home mount|copy brings them in)` : ""
      }`,
    );
  } else {
    const how = plan.home === "mount"
      ? `mount: ${files} bound at ${CONTAINER_HOME} (the agent's changes, like refreshed tokens, land on the host)`
      : `copy: ${files} copied for this session into ${CONTAINER_HOME} (removed after it)`;
    lines.push(
      `agent home: ${how}; the login tokens in them are INSIDE the container: the agent can read them`,
    );
  }
  const optIn = [
    ...preset.hosts.filter((h) => OPT_IN_PURPOSES.includes(h.purpose)).map((h) => h.host),
    ...(preset.telemetryPaths ?? []).map((t) => `${t.host}${t.path}`),
  ];
  if (optIn.length > 0) {
    lines.push(
      request.allowTelemetry
        ? `telemetry and update hosts allowed (--allow-telemetry): ${optIn.join(", ")}`
        : `telemetry and update hosts denied: ${
          optIn.join(", ")
        } (--allow-telemetry lets them through)`,
    );
  }
  if (request.yolo) {
    const how = [
      ...preset.yolo.args,
      ...Object.keys(preset.yolo.env ?? {}).map((k) => `${k}=...`),
    ].join(" ");
    lines.push(
      `--yolo: ${preset.command} runs with its own permission prompts off (${how}); leash's policy is the guard`,
    );
  }
  return lines;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
