/**
 * What the agent tier knows about each agent: its API host(s) and the fake that plays them,
 * the key's environment variable and the header the proxy injects it in, its policy file, its
 * non-interactive command line with its own permission prompts off, and where the tool results
 * sit in the requests it sends back.
 */
import {
  ANTHROPIC_HOST,
  anthropicHandler,
  anthropicResultText,
  anthropicToolResults,
  type FakeHandler,
  type FakeProtocols,
  GEMINI_HOST,
  geminiHandler,
  geminiToolResults,
  jsonBody,
  OPENAI_HOST,
  openaiHandler,
  openaiToolResults,
  type RecordedRequest,
  type ScriptedAction,
} from "./fake_api/mod.ts";
import type { AgentName } from "./image.ts";

/** One agent of the tier. */
export interface AgentSpec {
  name: AgentName;
  /** The vendor API hosts and their fakes (pinned to the host's loopback). */
  fakes: { host: string; handler: (actions: ScriptedAction[]) => FakeHandler | FakeProtocols }[];
  /** The environment variable the CLI reads its key from (the placeholder in the container). */
  keyVar: string;
  /** The secret's name (`--secret NAME=env:NAME`) and its real value's form for the header. */
  secret: { name: string; value: (key: string) => string };
  /** The request header the real key must reach the fake API in, and its expected value. */
  keyHeader: { name: string; value: (key: string) => string };
  /** Policy files (tests/agents/policies/), in order. */
  policies: string[];
  /** The CLI's command line for one non-interactive turn. */
  command: (prompt: string) => string[];
  /** Other container environment. */
  env: Record<string, string>;
  /** The texts of the tool results in one request the agent sent, in order. */
  toolResults: (request: RecordedRequest) => string[];
  /**
   * Whether a request carries only what is new since the previous one (Codex over WebSocket,
   * `previous_response_id`), so its tool results add to the earlier ones. @default never
   */
  continues?: (request: RecordedRequest) => boolean;
}

/** The prompt of every run; the fake API ignores it and plays its script. */
export const PROMPT = "Run the steps the tools ask for, then say you are done.";

/** Claude Code: `claude -p`, the Anthropic Messages API, `x-api-key`. */
export const CLAUDE: AgentSpec = {
  name: "claude",
  fakes: [{ host: ANTHROPIC_HOST, handler: anthropicHandler }],
  keyVar: "ANTHROPIC_API_KEY",
  secret: { name: "ANTHROPIC_API_KEY", value: (key) => key },
  keyHeader: { name: "x-api-key", value: (key) => key },
  policies: ["files.cedar", "claude.cedar"],
  command: (prompt) => ["claude", "-p", prompt, "--dangerously-skip-permissions"],
  // Claude Code refuses --dangerously-skip-permissions as root unless told it is sandboxed.
  env: { IS_SANDBOX: "1" },
  toolResults: (request) => {
    const body = jsonBody(request);
    return body === undefined ? [] : anthropicToolResults(body).map(anthropicResultText);
  },
};

/**
 * Codex: `codex exec`, the OpenAI Responses API, `Authorization: Bearer KEY` (the secret's
 * value is the whole header value: leash injects a header value as is).
 */
export const CODEX: AgentSpec = {
  name: "codex",
  fakes: [{ host: OPENAI_HOST, handler: openaiHandler }],
  keyVar: "OPENAI_API_KEY",
  secret: { name: "OPENAI_API_KEY", value: (key) => `Bearer ${key}` },
  keyHeader: { name: "authorization", value: (key) => `Bearer ${key}` },
  policies: ["files.cedar", "codex.cedar"],
  command: (prompt) => [
    "codex",
    "exec",
    "--dangerously-bypass-approvals-and-sandbox",
    "--skip-git-repo-check",
    prompt,
  ],
  env: {},
  toolResults: (request) => {
    const body = jsonBody(request);
    return body === undefined ? [] : openaiToolResults(body);
  },
  continues: (request) => jsonBody(request)?.previous_response_id !== undefined,
};

/** Gemini CLI: `gemini -p`, the Gemini API (`streamGenerateContent?alt=sse`), `x-goog-api-key`. */
export const GEMINI: AgentSpec = {
  name: "gemini",
  fakes: [{ host: GEMINI_HOST, handler: geminiHandler }],
  keyVar: "GEMINI_API_KEY",
  secret: { name: "GEMINI_API_KEY", value: (key) => key },
  keyHeader: { name: "x-goog-api-key", value: (key) => key },
  policies: ["files.cedar", "gemini.cedar"],
  command: (prompt) => ["gemini", "-p", prompt, "--yolo", "--skip-trust"],
  env: {},
  toolResults: (request) => {
    const body = jsonBody(request);
    return body === undefined ? [] : geminiToolResults(body);
  },
};

/**
 * opencode: `opencode run` with its anthropic provider (the key from `ANTHROPIC_API_KEY`), so it
 * shares Claude's fake API and policy; `--auto` approves its tools, `--pure` loads no plugins.
 */
export const OPENCODE: AgentSpec = {
  ...CLAUDE,
  name: "opencode",
  policies: ["files.cedar", "claude.cedar"],
  command: (
    prompt,
  ) => ["opencode", "run", "--pure", "--auto", "-m", "anthropic/claude-sonnet-4-5", prompt],
  env: {},
};

/** Codex when the API refuses its WebSocket: it falls back to `POST /v1/responses` (SSE). */
export const CODEX_SSE: AgentSpec = {
  ...CODEX,
  fakes: [{ host: OPENAI_HOST, handler: (actions) => openaiHandler(actions).http }],
};
