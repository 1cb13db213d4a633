/**
 * A fake model API on the host: HTTPS on port 443 of its own loopback address (127.a.b.c, so
 * the agent keeps its real API URL and the name pin `NAME=127.a.b.c` needs no port), with a
 * leaf certificate for the vendor's real host name from the test CA. Records every request
 * before handing it to the vendor's handler.
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
  /** The loopback address it listens on (port 443). */
  address: string;
  /** Every request so far, in arrival order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** The test CA's certificate and key (PEM). */
export interface TestCa {
  certPem: string;
  keyPem: string;
}

/** The port every fake listens on: the agents' real API URLs name none. */
export const FAKE_PORT = 443;

/** Whether this process may listen on port 443 (root, or a low unprivileged port start). */
export function canListenOn443(): boolean {
  try {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    listener.close();
    const start = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start").trim();
    return Deno.uid() === 0 || Number(start) <= FAKE_PORT;
  } catch {
    return false;
  }
}

/** A loopback address of its own for one fake (random, so parallel runs do not collide). */
export function freshLoopbackAddress(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
  return `127.${(a! % 200) + 20}.${b!}.${(c! % 250) + 2}`;
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
  const address = freshLoopbackAddress();
  const server = Deno.serve({
    hostname: address,
    port: FAKE_PORT,
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
  return {
    name,
    address,
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
