/**
 * The Gemini API as Gemini CLI uses it: `POST /v1beta/models/M:streamGenerateContent?alt=sse`
 * (SSE chunks of `candidates[].content.parts` with `functionCall` or `text`),
 * `:generateContent` (one JSON answer; a JSON-schema request, such as the CLI's next-speaker
 * check or model router, gets an object answering them), `:countTokens`. Tool results come back
 * as `functionResponse` parts.
 */
import { jsonBody, type RecordedRequest } from "./record.ts";
import {
  FINAL_TEXT,
  nextAction,
  type ScriptedAction,
  shellArguments,
  shellToolName,
  type ToolSchema,
} from "./script.ts";
import { type FakeHandler, sseResponse } from "./server.ts";

/** The Gemini API's host name. */
export const GEMINI_HOST = "generativelanguage.googleapis.com";

interface Part {
  text?: string;
  functionCall?: unknown;
  functionResponse?: { name?: string; response?: unknown };
}

/** The functionResponse parts of a request, as text, in order. */
export function geminiToolResults(body: Record<string, unknown>): string[] {
  const contents = Array.isArray(body.contents) ? body.contents : [];
  return contents.flatMap((c: { parts?: Part[] }) => c.parts ?? [])
    .filter((p: Part) => p.functionResponse !== undefined)
    .map((p: Part) => JSON.stringify(p.functionResponse?.response ?? ""));
}

interface Declaration {
  name: string;
  parameters?: ToolSchema;
  parametersJsonSchema?: ToolSchema;
}

/** A handler playing `actions`. */
export function geminiHandler(actions: ScriptedAction[]): FakeHandler {
  return (request: RecordedRequest): Response => {
    const body = jsonBody(request);
    const method = /:(\w+)(\?|$)/.exec(request.path)?.[1];
    if (request.method !== "POST" || body === undefined || method === undefined) {
      return Response.json({ error: { code: 404, message: "not faked" } }, { status: 404 });
    }
    if (method === "countTokens") return Response.json({ totalTokens: 10 });
    const usage = { promptTokenCount: 10, candidatesTokenCount: 10, totalTokenCount: 20 };
    const config = (body.generationConfig ?? {}) as Record<string, unknown>;
    if (method === "generateContent" && config.responseMimeType === "application/json") {
      // The CLI's own checks (who speaks next, which model): the user, the default model.
      const answer = {
        reasoning: "scripted",
        next_speaker: "user",
        model_choice: "flash",
        complexity_reasoning: "scripted",
        complexity_score: 1,
      };
      return Response.json({
        candidates: [{
          content: { role: "model", parts: [{ text: JSON.stringify(answer) }] },
          finishReason: "STOP",
          index: 0,
        }],
        usageMetadata: usage,
      });
    }
    const tools = (Array.isArray(body.tools) ? body.tools : []) as {
      functionDeclarations?: Declaration[];
    }[];
    const declarations = tools.flatMap((t) => t.functionDeclarations ?? []);
    const shell = shellToolName(declarations.map((d) => d.name));
    const action = shell === undefined
      ? undefined
      : nextAction(actions, geminiToolResults(body).length);
    let part: Part;
    if (action === undefined || shell === undefined) {
      part = { text: shell === undefined ? "ok" : FINAL_TEXT };
    } else {
      const d = declarations.find((x) => x.name === shell);
      part = {
        functionCall: {
          name: shell,
          args: shellArguments(d?.parametersJsonSchema ?? d?.parameters, action.command),
        },
      };
    }
    const chunk = {
      candidates: [{
        content: { role: "model", parts: [part] },
        finishReason: "STOP",
        index: 0,
      }],
      usageMetadata: usage,
      modelVersion: "gemini-fake",
    };
    if (method === "generateContent") return Response.json(chunk);
    return sseResponse([[undefined, chunk]]);
  };
}
