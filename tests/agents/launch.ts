/**
 * How the agent tier starts an agent under leash: the ONE place to switch to `leash AGENT`
 * once the presets land. Today it is `leash run --image IMG --policy FILE --secret
 * NAME=env:NAME -e NAME=placeholder [-e ...] -- CLI ARGS...`, with the upstream settings that
 * pin the vendor's real host name to the fake API on the host's loopback.
 */
import { join } from "node:path";
import { withWorkspace } from "../../src/session/workspace_policy.ts";
import { type LeashResult, type Sandbox, sessionOf, spawnLeash } from "../e2e/_session.ts";
import type { AgentName } from "./image.ts";

/** What one launch needs. */
export interface LaunchOptions {
  box: Sandbox;
  /** The agent's image (tests/agents/image.ts). */
  image: string;
  /** Policy files under tests/agents/policies/, concatenated; the workspace rule is added. */
  policies: string[];
  /** Secrets: name → the real value (in leash's environment only; the container gets `placeholder`). */
  secrets: Record<string, string>;
  /** The placeholder the container sees for every secret. */
  placeholder: string;
  /** Other environment variables for the container. */
  env: Record<string, string>;
  /** leash's own environment: `LEASH_UPSTREAM_CA`, `LEASH_UPSTREAM_HOSTS`. */
  leashEnv: Record<string, string>;
  /** The CLI and its arguments. */
  command: string[];
  /** More `leash run` flags (before `--`). @default [] */
  extra?: string[];
  /** Kills a hung session (the agent waiting for input it will never get). */
  signal?: AbortSignal;
}

const POLICY_DIR = new URL("./policies/", import.meta.url).pathname;

/** Writes the session's policy file into the sandbox and returns its path. */
export async function writeAgentPolicy(box: Sandbox, policies: string[]): Promise<string> {
  const parts = await Promise.all(policies.map((p) => Deno.readTextFile(join(POLICY_DIR, p))));
  const path = join(box.root, "agent-policy.cedar");
  await Deno.writeTextFile(path, withWorkspace(parts.join("\n"), box.workspace));
  return path;
}

/** The `leash` arguments and environment that start `agent` (shared by pipes and the pty). */
export async function agentLaunch(
  agent: AgentName,
  options: LaunchOptions,
): Promise<{ args: string[]; env: Record<string, string> }> {
  const policy = await writeAgentPolicy(options.box, options.policies);
  const args = ["run", "--image", options.image, "--policy", policy, ...(options.extra ?? [])];
  for (const name of Object.keys(options.secrets)) {
    args.push("--secret", `${name}=env:${name}`, "-e", `${name}=${options.placeholder}`);
  }
  for (const [name, value] of Object.entries(options.env)) args.push("-e", `${name}=${value}`);
  args.push("--", ...options.command);
  void agent; // `leash ${agent}` after the merge: the preset then brings image and policy.
  return { args, env: { ...options.leashEnv, ...options.secrets } };
}

/** Runs `agent` under leash in the sandbox's workspace; resolves when the session ended. */
export async function launchAgent(agent: AgentName, options: LaunchOptions): Promise<LeashResult> {
  const { args, env } = await agentLaunch(agent, options);
  const child = spawnLeash(options.box, args, env).spawn();
  // leash tears the session down on SIGTERM like on Ctrl-C.
  const stop = () => child.kill("SIGTERM");
  options.signal?.addEventListener("abort", stop, { once: true });
  try {
    const output = await child.output();
    const decoder = new TextDecoder();
    const stderr = decoder.decode(output.stderr);
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr,
      session: sessionOf(stderr),
    };
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
}
