/**
 * The Anthropic Messages API as Claude Code (and opencode's anthropic provider) use it:
 * `POST /v1/messages` streaming SSE (`message_start`, `content_block_*` with `tool_use` and
 * `input_json_delta`, `message_delta`, `message_stop`), or one JSON message when not streaming.
 * A request that offers a shell tool gets the script's next command; any other (titles,
 * summaries) a short text.
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

/** The Anthropic API's host name. */
export const ANTHROPIC_HOST = "api.anthropic.com";

interface Block {
  type: string;
  [key: string]: unknown;
}

/** The tool_result blocks of a Messages request, in order. */
export function anthropicToolResults(body: Record<string, unknown>): Block[] {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return messages.flatMap((m: { content?: unknown }) =>
    Array.isArray(m.content) ? m.content.filter((b: Block) => b?.type === "tool_result") : []
  );
}

/** The text of a tool_result block (string content or text parts). */
export function anthropicResultText(block: Block): string {
  const content = block.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p: Block) => String(p.text ?? "")).join("\n");
  return "";
}

/** A handler playing `actions`. */
export function anthropicHandler(actions: ScriptedAction[]): FakeHandler {
  let ids = 0;
  return (request: RecordedRequest): Response => {
    if (request.method === "GET") return Response.json({ data: [], has_more: false });
    const body = jsonBody(request);
    if (!request.path.startsWith("/v1/messages") || body === undefined) {
      return Response.json({ ok: true });
    }
    if (request.path.startsWith("/v1/messages/count_tokens")) {
      return Response.json({ input_tokens: 100 });
    }
    const tools = (Array.isArray(body.tools) ? body.tools : []) as {
      name: string;
      input_schema?: ToolSchema;
    }[];
    const shell = shellToolName(tools.map((t) => t.name));
    const action = shell === undefined
      ? undefined
      : nextAction(actions, anthropicToolResults(body).length);
    const id = `toolu_fake${++ids}`;
    const content: Block[] = action === undefined || shell === undefined
      ? [{ type: "text", text: shell === undefined ? "ok" : FINAL_TEXT }]
      : [{
        type: "tool_use",
        id,
        name: shell,
        input: shellArguments(tools.find((t) => t.name === shell)?.input_schema, action.command),
      }];
    const stop = content[0]!.type === "tool_use" ? "tool_use" : "end_turn";
    const model = typeof body.model === "string" ? body.model : "claude-fake";
    const message = {
      id: `msg_fake${ids}`,
      type: "message",
      role: "assistant",
      model,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 10 },
    };
    if (body.stream !== true) return Response.json({ ...message, content, stop_reason: stop });
    const block = content[0]!;
    const events: [string, unknown][] = [
      ["message_start", {
        type: "message_start",
        message: {
          ...message,
          content: [],
          stop_reason: null,
          usage: { input_tokens: 10, output_tokens: 1 },
        },
      }],
    ];
    if (block.type === "tool_use") {
      events.push(
        ["content_block_start", {
          type: "content_block_start",
          index: 0,
          content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
        }],
        ["content_block_delta", {
          type: "content_block_delta",
          index: 0,
          delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
        }],
      );
    } else {
      events.push(
        ["content_block_start", {
          type: "content_block_start",
          index: 0,
          content_block: { type: "text", text: "" },
        }],
        ["content_block_delta", {
          type: "content_block_delta",
          index: 0,
          delta: { type: "text_delta", text: block.text },
        }],
      );
    }
    events.push(
      ["content_block_stop", { type: "content_block_stop", index: 0 }],
      ["message_delta", {
        type: "message_delta",
        delta: { stop_reason: stop, stop_sequence: null },
        usage: { output_tokens: 10 },
      }],
      ["message_stop", { type: "message_stop" }],
    );
    return sseResponse(events);
  };
}
