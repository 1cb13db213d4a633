import type { AgentPreset } from "./preset.ts";

/**
 * opencode, many providers behind one CLI; the package's postinstall links the native binary
 * of `opencode-linux-x64` (1.18.33 read). The preset covers its Anthropic and OpenAI providers
 * (the same headers as their SDKs: `x-api-key`, `Authorization: Bearer`); `opencode auth login`
 * keeps keys and tokens in `~/.local/share/opencode/auth.json`. Its model list comes from
 * models.opencode.ai (`OPENCODE_MODELS_URL`; seen in the agents tier, `GET /api.json`). `--yolo` sets `OPENCODE_PERMISSION` to allow every tool (opencode reads it as
 * its `permission` config); `opencode run --auto` is the per-run switch.
 */
export const OPENCODE: AgentPreset = {
  name: "opencode",
  title: "opencode",
  package: { name: "opencode-ai", version: "1.18.33", node: "any (native binary)" },
  command: "opencode",
  nonInteractive: "run PROMPT",
  yolo: { args: [], env: { OPENCODE_PERMISSION: '{"*":"allow"}' } },
  hosts: [
    { host: "api.anthropic.com", purpose: "api", note: "Anthropic provider" },
    { host: "api.openai.com", purpose: "api", note: "OpenAI provider" },
    { host: "models.opencode.ai", purpose: "api", note: "model catalogue" },
    { host: "auth.openai.com", purpose: "auth", note: "ChatGPT login for the OpenAI provider" },
    { host: "opencode.ai", purpose: "update", note: "share links, updates, docs" },
    { host: "api.opencode.ai", purpose: "update", note: "share and account API" },
    { host: "registry.npmjs.org", purpose: "update", note: "provider plugins, version check" },
    {
      host: "github.com",
      purpose: "update",
      note: "ripgrep and tree-sitter grammar downloads when absent",
    },
  ],
  credentials: [
    { env: ["ANTHROPIC_API_KEY"], host: "api.anthropic.com", header: "x-api-key" },
    {
      env: ["OPENAI_API_KEY"],
      host: "api.openai.com",
      header: "Authorization",
      prefix: "Bearer ",
    },
  ],
  quietEnv: { OPENCODE_DISABLE_AUTOUPDATE: "1", OPENCODE_DISABLE_SHARE: "1" },
  loginState: [".local/share/opencode/", ".config/opencode/"],
  loginHome: "mount",
  policyFile: "opencode.cedar",
};
