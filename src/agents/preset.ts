/** What leash knows about one coding agent: its package, command, hosts, credentials, files. */

/** Why the agent contacts a host; `telemetry` and `update` hosts are denied unless opted in. */
export type HostPurpose = "api" | "auth" | "telemetry" | "update";

/** One host the agent's package contacts (found by reading the package), and what for. */
export interface AgentHost {
  /** Host name (a `Host` pattern: `name` or `*.domain`). */
  host: string;
  purpose: HostPurpose;
  /** What the agent uses it for, in a few words. */
  note: string;
}

/** An API key the agent reads from its environment, and where leash injects it instead. */
export interface AgentCredential {
  /** The variables the agent reads, the first found on the host wins. */
  env: readonly string[];
  /** The API host the proxy injects the key into (and no other). */
  host: string;
  /** The request header carrying the key, as the agent's own code sends it. */
  header: string;
  /** Put before the key in the header (`"Bearer "`). @default "" */
  prefix?: string;
}

/** How the agent's login state reaches the container. */
export type AgentHomeMode = "mount" | "copy" | "none";

/** The agent's npm package, pinned. */
export interface AgentPackage {
  name: string;
  /** The exact version installed into the agent's image. */
  version: string;
  /** Node.js the package declares (`engines.node`), for the banner and docs. */
  node: string;
  /**
   * A newer Node.js than Debian 12's (18) when the package needs one: an npm package holding
   * the node binary, installed beside the agent and put first in PATH.
   */
  runtime?: { package: string; version: string; binary: string };
}

/** One agent preset. */
export interface AgentPreset {
  /** The word after `leash` (`claude`). */
  name: string;
  /** Human name (`Claude Code`). */
  title: string;
  package: AgentPackage;
  /** The program the package installs (`claude`). */
  command: string;
  /** How to run it without a terminal, for docs (`-p PROMPT`). */
  nonInteractive: string;
  /** `--yolo`: the agent's own permission prompts off, since leash is the guard. */
  yolo: { args: readonly string[]; env?: Readonly<Record<string, string>> };
  hosts: readonly AgentHost[];
  credentials: readonly AgentCredential[];
  /**
   * Telemetry sent to a host the agent needs (its API host): denied by request path unless
   * `--allow-telemetry` (a Cedar `like` pattern). @default none
   */
  telemetryPaths?: readonly { host: string; path: string; note: string }[];
  /** Set when telemetry stays denied: the agent's own switches that stop it trying. */
  quietEnv?: Readonly<Record<string, string>>;
  /** Login state under the home directory (`.claude.json`, `.claude/`: a dir ends in "/"). */
  loginState: readonly string[];
  /**
   * `--agent-home` when no API key is found: `mount` for agents whose login refreshes rotate
   * tokens (a copy would leave the host's login stale), else `copy`.
   */
  loginHome: Exclude<AgentHomeMode, "none">;
  /** File name of the preset's Cedar policy under `src/agents/policies/`. */
  policyFile: string;
}

/** The home directory of the agent inside its image (the agent images run as root). */
export const CONTAINER_HOME = "/root";
