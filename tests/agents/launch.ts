/**
 * How the agent tier starts an agent under leash: the product's own command, `leash AGENT
 * --yolo [--policy FILE] --image IMG -- ARGS...`, with the real key in leash's environment
 * (the preset finds it, makes it a host-side secret and gives the container a placeholder) and
 * the upstream settings that pin the vendor's real host name to the fake API on the host's
 * loopback. The ONE place an agent is started.
 */
import { join } from "node:path";
import { type LeashResult, type Sandbox, sessionOf, spawnLeash } from "../e2e/_session.ts";
import type { AgentName } from "./image.ts";

/** What one launch needs. */
export interface LaunchOptions {
  box: Sandbox;
  /** The agent's image (tests/agents/image.ts: the preset's image with the planted key). */
  image: string;
  /**
   * Policy files under tests/agents/policies/, added to the preset's with `--policy` (only
   * what the test needs beyond the preset). @default none
   */
  policies?: string[];
  /** leash's environment: the real keys, `LEASH_UPSTREAM_CA`, `LEASH_UPSTREAM_HOSTS`. */
  leashEnv: Record<string, string>;
  /** The agent's own arguments (after `--`). */
  args: string[];
  /** More `leash AGENT` flags (before `--`). @default [] */
  extra?: string[];
  /** Kills a hung session (the agent waiting for input it will never get). */
  signal?: AbortSignal;
}

const POLICY_DIR = new URL("./policies/", import.meta.url).pathname;

/** Writes the test's additions to the preset into the sandbox; resolves to the file's path. */
async function writeAddedPolicy(box: Sandbox, policies: string[]): Promise<string> {
  const parts = await Promise.all(policies.map((p) => Deno.readTextFile(join(POLICY_DIR, p))));
  const path = join(box.root, "added-policy.cedar");
  await Deno.writeTextFile(path, parts.join("\n"));
  return path;
}

/** The `leash` arguments and environment that start `agent` (shared by pipes and the pty). */
export async function agentLaunch(
  agent: AgentName,
  options: LaunchOptions,
): Promise<{ args: string[]; env: Record<string, string> }> {
  const args = [agent, "--yolo", "--image", options.image, "--listen", ""];
  if (options.policies !== undefined && options.policies.length > 0) {
    args.push("--policy", await writeAddedPolicy(options.box, options.policies));
  }
  args.push(...(options.extra ?? []), "--", ...options.args);
  // HOME: no login state of the host's user is found, and leash's caches stay in the sandbox.
  return { args, env: { HOME: options.box.root, ...options.leashEnv } };
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
