/**
 * What the agent tier knows about each agent: its API host(s) and the fake that plays them,
 * the key's environment variable and the header the proxy must inject it in, the agent's own
 * arguments for one non-interactive turn (`leash AGENT --yolo` adds its prompts-off switches),
 * and where the tool results sit in the requests it sends back. Image, policy and
 * credentials are the preset's (src/agents/).
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
  /**
   * The environment variable the CLI reads its key from: the real key goes in leash's
   * environment under it, the container gets the preset's placeholder.
   */
  keyVar: string;
  /** The request header the real key must reach the fake API in, and its expected value. */
  keyHeader: { name: string; value: (key: string) => string };
  /** The agent's arguments for one non-interactive turn (after `leash AGENT --yolo --`). */
  args: (prompt: string) => string[];
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
  keyHeader: { name: "x-api-key", value: (key) => key },
  args: (prompt) => ["-p", prompt],
  toolResults: (request) => {
    const body = jsonBody(request);
    return body === undefined ? [] : anthropicToolResults(body).map(anthropicResultText);
  },
};

/**
 * Codex: `codex exec`, the OpenAI Responses API, `Authorization: Bearer KEY` (the preset
 * derives the header value from `OPENAI_API_KEY`; no `codex login`).
 */
export const CODEX: AgentSpec = {
  name: "codex",
  fakes: [{ host: OPENAI_HOST, handler: openaiHandler }],
  keyVar: "OPENAI_API_KEY",
  keyHeader: { name: "authorization", value: (key) => `Bearer ${key}` },
  // The workspace is no git repository: codex exec refuses to work outside one without this.
  args: (prompt) => ["exec", "--skip-git-repo-check", prompt],
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
  keyHeader: { name: "x-goog-api-key", value: (key) => key },
  args: (prompt) => ["-p", prompt],
  toolResults: (request) => {
    const body = jsonBody(request);
    return body === undefined ? [] : geminiToolResults(body);
  },
};

/**
 * opencode: `opencode run` with its anthropic provider (the key from `ANTHROPIC_API_KEY`), so it
 * shares Claude's fake API; `--yolo` (the preset's `OPENCODE_PERMISSION`) approves its tools,
 * `--pure` loads no plugins.
 */
export const OPENCODE: AgentSpec = {
  ...CLAUDE,
  name: "opencode",
  args: (prompt) => ["run", "--pure", "-m", "anthropic/claude-sonnet-4-5", prompt],
};

/** Codex when the API refuses its WebSocket: it falls back to `POST /v1/responses` (SSE). */
export const CODEX_SSE: AgentSpec = {
  ...CODEX,
  fakes: [{ host: OPENAI_HOST, handler: (actions) => openaiHandler(actions).http }],
};
