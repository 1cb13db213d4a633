/**
 * Fake model APIs for the agent tier: real HTTPS servers on host loopback addresses that speak
 * enough of each vendor's streaming protocol for the real CLIs to finish a scripted turn with
 * tool calls, and record every request for the assertions.
 */
export {
  ANTHROPIC_HOST,
  anthropicHandler,
  anthropicResultText,
  anthropicToolResults,
} from "./anthropic.ts";
export { GEMINI_HOST, geminiHandler, geminiToolResults } from "./gemini.ts";
export { OPENAI_HOST, openaiHandler, openaiToolResults } from "./openai.ts";
export { type HeldHandler, holdModelRequests } from "./hold.ts";
export { jsonBody, type RecordedRequest, recordRequest } from "./record.ts";
export {
  DENIED_HOST,
  FINAL_TEXT,
  nextAction,
  OUTSIDE_PATH,
  PLANTED_KEY_PATH,
  PLANTED_KEY_TEXT,
  type ScriptedAction,
  scriptedActions,
  shellArguments,
  shellToolName,
  type ToolSchema,
  WORKSPACE_FILE,
  WORKSPACE_TEXT,
} from "./script.ts";
export {
  type FakeApi,
  type FakeHandler,
  type FakeProtocols,
  type FakeWebSocketHandler,
  sseResponse,
  startFakeApi,
  type TestCa,
} from "./server.ts";
