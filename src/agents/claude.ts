import type { AgentPreset } from "./preset.ts";

/**
 * Claude Code. The npm package is a wrapper whose postinstall copies the native binary of
 * `@anthropic-ai/claude-code-linux-x64` over `bin/claude.exe`; hosts and headers were read from
 * that binary (2.1.332): the API key goes in `x-api-key` (`ANTHROPIC_API_KEY`), a login token
 * in `Authorization` (`CLAUDE_CODE_OAUTH_TOKEN` or `~/.claude/.credentials.json`).
 */
export const CLAUDE: AgentPreset = {
  name: "claude",
  title: "Claude Code",
  package: { name: "@anthropic-ai/claude-code", version: "2.1.332", node: ">=22.0.0" },
  command: "claude",
  nonInteractive: "-p PROMPT",
  // Claude Code refuses to skip its prompts as root unless IS_SANDBOX=1 says it is sandboxed
  // on purpose, which under leash it is.
  yolo: { args: ["--dangerously-skip-permissions"], env: { IS_SANDBOX: "1" } },
  hosts: [
    { host: "api.anthropic.com", purpose: "api", note: "Messages API (and login token exchange)" },
    { host: "platform.claude.com", purpose: "auth", note: "OAuth authorize and token refresh" },
    { host: "claude.ai", purpose: "auth", note: "claude.ai login (subscription accounts)" },
    { host: "claude.com", purpose: "auth", note: "claude.com login page" },
    {
      host: "http-intake.logs.us5.datadoghq.com",
      purpose: "telemetry",
      note: "Datadog log intake",
    },
    { host: "*.ingest.us.sentry.io", purpose: "telemetry", note: "Sentry error reports" },
    { host: "downloads.claude.ai", purpose: "update", note: "auto-updater, model catalogue" },
    { host: "storage.googleapis.com", purpose: "update", note: "release downloads" },
    { host: "registry.npmjs.org", purpose: "update", note: "npm version check" },
  ],
  telemetryPaths: [{
    host: "api.anthropic.com",
    path: "/api/event_logging/*",
    note: "usage events batched to the API host",
  }],
  credentials: [{ env: ["ANTHROPIC_API_KEY"], host: "api.anthropic.com", header: "x-api-key" }],
  quietEnv: { DISABLE_AUTOUPDATER: "1", DISABLE_TELEMETRY: "1", DISABLE_ERROR_REPORTING: "1" },
  loginState: [".claude.json", ".claude/"],
  loginHome: "mount",
  policyFile: "claude.cedar",
};
