import type { AgentPreset } from "./preset.ts";

/**
 * OpenAI Codex CLI. `bin/codex.js` (Node) starts the native binary of the
 * `@openai/codex@VERSION-linux-x64` package; hosts were read from that binary (0.171.0). An API
 * key is sent as `Authorization: Bearer` to api.openai.com; `codex login` keeps ChatGPT tokens
 * in `~/.codex/auth.json`. `--yolo` is Codex's `--dangerously-bypass-approvals-and-sandbox`
 * (its own bubblewrap sandbox cannot nest inside leash's container anyway).
 */
export const CODEX: AgentPreset = {
  name: "codex",
  title: "OpenAI Codex",
  package: { name: "@openai/codex", version: "0.171.0", node: ">=16" },
  command: "codex",
  nonInteractive: "exec PROMPT",
  yolo: { args: ["--dangerously-bypass-approvals-and-sandbox"] },
  hosts: [
    { host: "api.openai.com", purpose: "api", note: "Responses API (API-key accounts)" },
    { host: "chatgpt.com", purpose: "api", note: "ChatGPT-login backend (backend-api/codex)" },
    { host: "auth.openai.com", purpose: "auth", note: "ChatGPT login and token refresh" },
    { host: "*.ingest.us.sentry.io", purpose: "telemetry", note: "Sentry crash reports" },
    { host: "ab.chatgpt.com", purpose: "telemetry", note: "usage analytics" },
    { host: "api.github.com", purpose: "update", note: "release check, plugin list" },
    {
      host: "github.com",
      purpose: "update",
      note: "plugin marketplace (git fetch of openai/plugins)",
    },
    { host: "registry.npmjs.org", purpose: "update", note: "npm version check" },
  ],
  credentials: [{
    env: ["OPENAI_API_KEY", "CODEX_API_KEY"],
    host: "api.openai.com",
    header: "Authorization",
    prefix: "Bearer ",
  }],
  loginState: [".codex/"],
  loginHome: "mount",
  policyFile: "codex.cedar",
};
