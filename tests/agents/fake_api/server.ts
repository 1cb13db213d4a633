/**
 * A fake model API on the host: HTTPS on a free port of 127.0.0.1 with a leaf certificate for
 * the vendor's real host name from the test CA. The agent keeps its real API URL
 * (`https://api.anthropic.com`, port 443): the name pin `NAME=127.0.0.1:PORT` makes leash's
 * proxy dial the fake instead, while policy and events see port 443. Records every request
 * (and WebSocket message) before handing it to the vendor's handler.
 */
import { createLeafMinter } from "../../../src/ca/mod.ts";
import { type RecordedRequest, recordRequest } from "./record.ts";

/** A vendor's protocol: answers one recorded request. */
export type FakeHandler = (request: RecordedRequest) => Response | Promise<Response>;

/**
 * A vendor's WebSocket protocol: answers one message (recorded with the upgrade request's
 * headers, method `WS`) with the events to send back, each a JSON text frame. `connection`
 * is per-socket state.
 */
export type FakeWebSocketHandler = (
  message: RecordedRequest,
  connection: Map<string, unknown>,
) => unknown[];

/** A vendor's protocols: HTTP, and WebSocket when the vendor's clients use it. */
export interface FakeProtocols {
  http: FakeHandler;
  websocket?: FakeWebSocketHandler;
}

/** A running fake API. */
export interface FakeApi {
  /** The vendor host name it has a certificate for. */
  name: string;
  /** The loopback address it listens on. */
  address: string;
  port: number;
  /** Its `LEASH_UPSTREAM_HOSTS` entry: `NAME=ADDRESS:PORT`. */
  pin: string;
  /** Every request so far, in arrival order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** The test CA's certificate and key (PEM). */
export interface TestCa {
  certPem: string;
  keyPem: string;
}

/** Starts a fake for host `name` with `handler`, its leaf signed by `ca`. */
export async function startFakeApi(
  name: string,
  ca: TestCa,
  protocols: FakeHandler | FakeProtocols,
): Promise<FakeApi> {
  const { http: handler, websocket } = typeof protocols === "function"
    ? { http: protocols, websocket: undefined }
    : protocols;
  const leaf = await (await createLeafMinter(ca)).mint(name);
  const requests: RecordedRequest[] = [];
  const ac = new AbortController();
  const address = "127.0.0.1";
  const server = Deno.serve({
    hostname: address,
    port: 0,
    cert: leaf.certPem,
    key: leaf.keyPem,
    signal: ac.signal,
    onListen: () => {},
  }, async (request) => {
    if (websocket !== undefined && request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      const upgrade = await recordRequest(request);
      requests.push(upgrade);
      return serveWebSocket(request, upgrade, websocket, requests);
    }
    const record = await recordRequest(request);
    requests.push(record);
    try {
      return await handler(record);
    } catch (error) {
      return Response.json({ error: { message: String(error) } }, { status: 500 });
    }
  });
  const port = server.addr.port;
  return {
    name,
    address,
    port,
    pin: `${name}=${address}:${port}`,
    requests,
    async close() {
      ac.abort();
      await server.finished;
    },
  };
}

/** Upgrades `request`; records each message (`WS`, the upgrade's headers) and answers it. */
function serveWebSocket(
  request: Request,
  upgrade: RecordedRequest,
  handler: FakeWebSocketHandler,
  requests: RecordedRequest[],
): Response {
  const { socket, response } = Deno.upgradeWebSocket(request);
  const connection = new Map<string, unknown>();
  socket.onmessage = (event) => {
    const body = typeof event.data === "string" ? event.data : "";
    const message = { ...upgrade, method: "WS", body };
    requests.push(message);
    try {
      for (const reply of handler(message, connection)) socket.send(JSON.stringify(reply));
    } catch (error) {
      socket.send(JSON.stringify({ type: "error", error: { message: String(error) } }));
    }
  };
  return response;
}

/** A `text/event-stream` response of `events` (each `[event name | undefined, data]`). */
export function sseResponse(events: [string | undefined, unknown][]): Response {
  const text = events.map(([event, data]) =>
    `${event !== undefined ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`
  ).join("");
  return new Response(text, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}
