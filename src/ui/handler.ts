/**
 * The control UI's HTTP handler: `(Request) => Response`, testable without a socket. Every
 * request passes {@linkcode checkAccess}; the API calls the session through
 * {@linkcode UiSession} and holds no session logic itself.
 */
import type { EventLog } from "../events/mod.ts";
import { type AccessOptions, checkAccess, tokenCookie } from "./auth.ts";
import { PAGE_CSS, PAGE_HTML } from "./page.ts";
import { PAGE_JS } from "./page_js.ts";
import type { EventRing } from "./ring.ts";
import { StreamClient } from "./stream.ts";

/** A session mode. */
export type UiMode = "record" | "shadow" | "enforce";

/** An operation's answer; `ok: false` (e.g. a policy that does not compile) is a 422. */
export interface UiResult {
  ok: boolean;
  [field: string]: unknown;
}

/** What the UI asks of the session (src/session/control.ts implements it). */
export interface UiSession {
  /** Id, image, command, mode, posture, policy text and label, log paths. */
  info(): Record<string, unknown>;
  /** Compiles `text` without applying it: diagnostics with line and column. */
  validatePolicy(text: string): UiResult;
  /** Switches the mode on every layer that can; says which took it. */
  setMode(mode: UiMode): Promise<UiResult>;
  /** Compiles and applies `text`; says which layers took it and which could not. */
  updatePolicy(text: string): Promise<UiResult>;
}

/** What {@linkcode createUiHandler} serves. */
export interface UiHandlerOptions extends AccessOptions {
  session: UiSession;
  events: EventLog;
  ring: EventRing;
  /** Called for each request refused by the access rules (tests, diagnostics). @default none */
  onRefused?: (request: Request, reason: string) => void;
  /** Bytes queued per WebSocket beyond which its events are dropped (and counted). @default 4 MiB */
  streamBufferLimit?: number;
}

/** Largest JSON body accepted (a policy is at most 4 MiB of text). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

const MODES: readonly string[] = ["record", "shadow", "enforce"];

/** The handler plus what it holds open (WebSocket streams). */
export interface UiHandler {
  handle(request: Request): Promise<Response>;
  /** Closes every live stream. */
  close(): void;
}

/** Builds the handler. */
export function createUiHandler(options: UiHandlerOptions): UiHandler {
  const streams = new Set<{ client: StreamClient | undefined; socket: WebSocket }>();
  // Shown in /api/session: a request nobody made from the page is visible there.
  const counts = { requests: 0, refused: 0 };
  const handle = async (request: Request): Promise<Response> => {
    counts.requests++;
    const access = checkAccess(request, options);
    if (!access.ok) {
      counts.refused++;
      options.onRefused?.(request, access.reason);
      return text(
        access.status,
        `${access.status === 401 ? "Unauthorized" : "Forbidden"}: ${access.reason}\n`,
      );
    }
    const url = new URL(request.url);
    if (access.login) {
      return secure(
        new Response(null, {
          status: 303,
          headers: { location: "/", "set-cookie": tokenCookie(options.cookie, options.token) },
        }),
        request,
      );
    }
    const route = `${request.method} ${url.pathname}`;
    switch (route) {
      case "GET /":
        return asset(request, PAGE_HTML, "text/html; charset=utf-8");
      case "GET /app.js":
        return asset(request, PAGE_JS, "text/javascript; charset=utf-8");
      case "GET /favicon.ico":
        return secure(new Response(null, { status: 204 }), request);
      case "GET /app.css":
        return asset(request, PAGE_CSS, "text/css; charset=utf-8");
      case "GET /api/session":
        return json(request, 200, { ...options.session.info(), ui: { ...counts } });
      case "GET /api/events": {
        const after = Number(url.searchParams.get("after") ?? "0");
        if (!Number.isSafeInteger(after) || after < 0) {
          return json(request, 400, { ok: false, error: "after must be a sequence number" });
        }
        return json(request, 200, {
          events: options.ring.after(after),
          oldest: options.ring.oldest,
          seq: options.events.seq,
        });
      }
      case "GET /api/stream":
        return stream(request, url);
      case "POST /api/mode":
        return await post(request, async (body) => {
          const mode = body.mode;
          if (typeof mode !== "string" || !MODES.includes(mode)) {
            return json(request, 400, {
              ok: false,
              error: "mode must be record, shadow or enforce",
            });
          }
          return result(request, await options.session.setMode(mode as UiMode));
        });
      case "POST /api/policy":
      case "POST /api/policy/validate":
        return await post(request, async (body) => {
          if (typeof body.text !== "string") {
            return json(request, 400, { ok: false, error: "text (the policy) is required" });
          }
          return result(
            request,
            url.pathname === "/api/policy"
              ? await options.session.updatePolicy(body.text)
              : options.session.validatePolicy(body.text),
          );
        });
    }
    const known = ["/", "/app.js", "/app.css"].includes(url.pathname) ||
      url.pathname.startsWith("/api/");
    return text(known ? 405 : 404, known ? "Method not allowed\n" : "Not found\n");
  };

  function stream(request: Request, url: URL): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return text(400, "Expected a WebSocket upgrade\n");
    }
    const after = Number(url.searchParams.get("after") ?? "0");
    const { socket, response } = Deno.upgradeWebSocket(request);
    const entry: { client: StreamClient | undefined; socket: WebSocket } = {
      client: undefined,
      socket,
    };
    streams.add(entry);
    socket.onopen = () => {
      entry.client = new StreamClient(socket, options.events, options.ring, {
        after: Number.isSafeInteger(after) && after > 0 ? after : 0,
        ...(options.streamBufferLimit ? { bufferLimit: options.streamBufferLimit } : {}),
      });
    };
    socket.onclose = () => {
      entry.client?.close();
      streams.delete(entry);
    };
    socket.onerror = () => {};
    return response;
  }

  return {
    handle,
    close() {
      for (const entry of streams) {
        entry.client?.close();
        try {
          entry.socket.close(1001, "session ended");
        } catch { /* already closing */ }
      }
      streams.clear();
    },
  };
}

async function post(
  request: Request,
  run: (body: Record<string, unknown>) => Promise<Response>,
): Promise<Response> {
  if (!/^application\/json\b/i.test(request.headers.get("content-type") ?? "")) {
    return json(request, 415, { ok: false, error: "send application/json" });
  }
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > MAX_BODY_BYTES) return json(request, 413, { ok: false, error: "body too large" });
  let body: unknown;
  try {
    const raw = await request.text();
    if (raw.length > MAX_BODY_BYTES) {
      return json(request, 413, { ok: false, error: "body too large" });
    }
    body = JSON.parse(raw);
  } catch {
    return json(request, 400, { ok: false, error: "the body is not JSON" });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return json(request, 400, { ok: false, error: "the body must be a JSON object" });
  }
  return await run(body as Record<string, unknown>);
}

function result(request: Request, value: UiResult): Response {
  return json(request, value.ok ? 200 : 422, value);
}

function json(request: Request, status: number, value: unknown): Response {
  return secure(
    new Response(JSON.stringify(value), {
      status,
      headers: { "content-type": "application/json; charset=utf-8" },
    }),
    request,
  );
}

function asset(request: Request, body: string, type: string): Response {
  return secure(new Response(body, { headers: { "content-type": type } }), request);
}

function text(status: number, body: string): Response {
  return secure(
    new Response(body, {
      status,
      headers: { "content-type": "text/plain; charset=utf-8" },
    }),
  );
}

/** Adds the headers every answer carries: strict CSP, no framing, no caching, no referrer. */
function secure(response: Response, request?: Request): Response {
  const host = request?.headers.get("host");
  const ws = host ? ` ws://${host}` : "";
  const h = response.headers;
  h.set(
    "content-security-policy",
    `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'${ws}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  );
  h.set("x-frame-options", "DENY");
  h.set("cache-control", "no-store");
  h.set("x-content-type-options", "nosniff");
  h.set("referrer-policy", "no-referrer");
  h.set("cross-origin-resource-policy", "same-origin");
  return response;
}
