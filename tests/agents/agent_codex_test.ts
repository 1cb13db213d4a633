/** Codex (the real `@openai/codex`) under leash against the fake OpenAI Responses API. */
import assert from "node:assert/strict";
import { allRequests } from "./agent_assert.ts";
import { CODEX, CODEX_SSE } from "./agent_specs.ts";
import { agentTest } from "./agent_test_case.ts";

agentTest(
  "codex exec under leash, Responses over WebSocket: the real key only on the wire, forbidden tool actions denied with their rules, the workspace edit done",
  CODEX,
  (s) => {
    const ws = allRequests(s).filter((r) => r.method === "WS");
    assert.ok(ws.length > 0, "the turns went over the WebSocket (through leash's proxy)");
  },
);

agentTest(
  "codex exec under leash, WebSocket refused: it falls back to SSE over HTTPS with the same outcome",
  CODEX_SSE,
  (s) => {
    const posts = allRequests(s).filter((r) => r.method === "POST" && r.path === "/v1/responses");
    assert.ok(posts.length > 0, "the turns went as POST /v1/responses");
  },
);
