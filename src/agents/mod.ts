/**
 * Agent presets: Claude Code, Codex, Gemini CLI, opencode — each agent's npm package (pinned),
 * command, hosts, credentials, login state and Cedar policy, and how a session is made of them.
 */
export { CLAUDE } from "./claude.ts";
export { CODEX } from "./codex.ts";
export { GEMINI } from "./gemini.ts";
export { OPENCODE } from "./opencode.ts";
export {
  type AgentCredential,
  type AgentHomeMode,
  type AgentHost,
  type AgentPackage,
  type AgentPreset,
  CONTAINER_HOME,
  type HostPurpose,
} from "./preset.ts";
export { findPreset, presetNames, PRESETS } from "./presets.ts";
export {
  composePolicy,
  type ComposePolicyOptions,
  OPT_IN_PURPOSES,
  POLICY_DIR,
  readPresetPolicy,
} from "./policy.ts";
export {
  chooseHomeMode,
  type CredentialPlan,
  type DerivedSecret,
  type KeyInjection,
  noCredentialsMessage,
  placeholderFor,
  planCredentials,
} from "./credentials.ts";
export {
  type AgentHomeBinds,
  agentHomeBinds,
  findLoginState,
  type LoginState,
  type RootActions,
} from "./home.ts";
