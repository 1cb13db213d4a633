/**
 * The OpenAI Responses API as Codex uses it: `POST /v1/responses` streaming SSE
 * (`response.created`, `response.output_item.done` with a `function_call` or a `message`,
 * `response.completed`), and `GET /v1/models`. The shell tool is found among the request's
 * tools; its results come back as `function_call_output` input items.
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
import { type FakeProtocols, sseResponse } from "./server.ts";

/** The OpenAI API's host name. */
export const OPENAI_HOST = "api.openai.com";

interface Item {
  type?: string;
  [key: string]: unknown;
}

/** The tool outputs of a Responses request (`*_call_output` input items), in order. */
export function openaiToolResults(body: Record<string, unknown>): string[] {
  const input = Array.isArray(body.input) ? body.input as Item[] : [];
  return input.filter((i) => typeof i.type === "string" && i.type.endsWith("_call_output"))
    .map((i) => typeof i.output === "string" ? i.output : JSON.stringify(i.output ?? ""));
}

interface Tool {
  type?: string;
  name?: string;
  description?: string;
  parameters?: ToolSchema;
  tools?: Tool[];
}

/**
 * The tools a Responses request offers: `tools`, and those of `additional_tools` input items
 * (Codex), namespaces flattened.
 */
export function requestTools(body: Record<string, unknown>): Tool[] {
  const flat = (tools: Tool[]): Tool[] =>
    tools.flatMap((t) => t.type === "namespace" ? flat(t.tools ?? []) : [t]);
  const input = Array.isArray(body.input) ? body.input as Item[] : [];
  const extra = input.filter((i) => i.type === "additional_tools")
    .flatMap((i) => Array.isArray(i.tools) ? i.tools as Tool[] : []);
  return flat([...(Array.isArray(body.tools) ? body.tools as Tool[] : []), ...extra]);
}

/**
 * The events answering one Responses request whose conversation holds `toolResults` tool
 * outputs so far: the script's next command as a tool call, or its closing text.
 */
function turnEvents(
  actions: ScriptedAction[],
  tools: Tool[],
  toolResults: number,
  n: number,
): [string, unknown][] {
  const exec = tools.find((t) =>
    t.type === "custom" && t.name === "exec" &&
    String(t.description ?? "").includes("tools.exec_command")
  );
  const shell = exec !== undefined
    ? "exec"
    : shellToolName(tools.map((t) => t.name ?? t.type ?? ""));
  const action = shell === undefined ? undefined : nextAction(actions, toolResults);
  let item: Item;
  if (action === undefined || shell === undefined) {
    item = {
      type: "message",
      id: `msg_fake${n}`,
      role: "assistant",
      status: "completed",
      content: [{
        type: "output_text",
        text: shell === undefined ? "ok" : FINAL_TEXT,
        annotations: [],
      }],
    };
  } else if (exec !== undefined) {
    // Codex's code mode: one freeform `exec` tool running JavaScript that calls the nested
    // tools; its shell is `tools.exec_command({cmd})`.
    item = {
      type: "custom_tool_call",
      id: `ctc_fake${n}`,
      call_id: `call_fake${n}`,
      name: "exec",
      input: `const r = await tools.exec_command({ cmd: ${JSON.stringify(action.command)} });\n` +
        "text(r.output);\n",
    };
  } else if (shell === "local_shell") {
    item = {
      type: "local_shell_call",
      id: `lsh_fake${n}`,
      call_id: `call_fake${n}`,
      status: "completed",
      action: { type: "exec", command: ["bash", "-lc", action.command] },
    };
  } else {
    const schema = tools.find((t) => (t.name ?? t.type) === shell)?.parameters;
    item = {
      type: "function_call",
      id: `fc_fake${n}`,
      call_id: `call_fake${n}`,
      name: shell,
      arguments: JSON.stringify(shellArguments(schema, action.command)),
    };
  }
  const response = { id: `resp_fake${n}`, object: "response", status: "in_progress", output: [] };
  const usage = {
    input_tokens: 10,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 10,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 20,
  };
  const events: [string, unknown][] = [
    ["response.created", { type: "response.created", response }],
    ["response.output_item.added", { type: "response.output_item.added", output_index: 0, item }],
  ];
  if (item.type === "message") {
    events.push(["response.output_text.delta", {
      type: "response.output_text.delta",
      item_id: item.id,
      output_index: 0,
      content_index: 0,
      delta: (item.content as { text: string }[])[0]!.text,
    }]);
  }
  events.push(
    ["response.output_item.done", { type: "response.output_item.done", output_index: 0, item }],
    ["response.completed", {
      type: "response.completed",
      response: { ...response, status: "completed", output: [item], usage },
    }],
  );
  return events;
}

/**
 * A handler playing `actions` over HTTP (SSE) and WebSocket (`response.create` messages; a
 * message with `previous_response_id` carries only the new input, so the socket keeps the
 * count of tool outputs).
 */
export function openaiHandler(actions: ScriptedAction[]): FakeProtocols {
  let ids = 0;
  const http = (request: RecordedRequest): Response => {
    if (request.method === "GET" && request.path.startsWith("/v1/models")) {
      return Response.json({ object: "list", data: [], models: [] });
    }
    const body = jsonBody(request);
    if (!request.path.startsWith("/v1/responses") || body === undefined) {
      return Response.json({ error: { message: "not faked" } }, { status: 404 });
    }
    return sseResponse(
      turnEvents(actions, requestTools(body), openaiToolResults(body).length, ++ids),
    );
  };
  const websocket = (message: RecordedRequest, connection: Map<string, unknown>): unknown[] => {
    const body = jsonBody(message);
    if (body?.type !== "response.create") return [];
    const n = ++ids;
    if (body.generate === false) {
      // Codex's warm-up: a response with no output, to open the conversation.
      const response = { id: `resp_fake${n}`, object: "response", status: "completed", output: [] };
      return [
        { type: "response.created", response: { ...response, status: "in_progress" } },
        { type: "response.completed", response },
      ];
    }
    const continued = body.previous_response_id !== undefined;
    const results = (continued ? Number(connection.get("results") ?? 0) : 0) +
      openaiToolResults(body).length;
    connection.set("results", results);
    // A continuation names no tools: the conversation's first request did.
    const named = requestTools(body);
    const tools = named.length > 0 ? named : (connection.get("tools") as Tool[] | undefined) ?? [];
    connection.set("tools", tools);
    return turnEvents(actions, tools, results, n).map(([, data]) => data);
  };
  return { http, websocket };
}
