import type { Duplex } from "node:stream";
import { hostPort, parseAuthority } from "./address.ts";
import { copyBody } from "./body.ts";
import { type EgressEngine, UpstreamError } from "./engine.ts";
import {
  type BodyFraming,
  formatRequestHead,
  formatResponseHead,
  forwardHeaders,
  headBytes,
  headerTokens,
  headerValues,
  HttpSyntaxError,
  keepsAlive,
  MAX_HEAD_BYTES,
  parseRequestHead,
  parseResponseHead,
  requestFraming,
  type RequestHead,
  responseFraming,
} from "./http_head.ts";
import { respond } from "./respond.ts";
import { applyRewrites } from "./rewrite.ts";
import { type Upstream, upstreamKey } from "./pool.ts";
import { HeadTooLargeError, pump, StreamReader, writeAll } from "./stream.ts";
import { denyReason, verdictFacts } from "./verdict.ts";

const HEAD_END = [13, 10, 13, 10];

/** Where the requests of one client connection go. */
export interface HttpContext {
  scheme: "http" | "https";
  /**
   * The connection's destination (CONNECT target, transparent original destination, or the
   * verified TLS host); absent on the explicit port, where requests are absolute-form.
   */
  target?: { host: string; port: number };
  /** Plain HTTP on the transparent port: the Host header names the destination. */
  hostFromHeader?: boolean;
}

interface Route {
  host: string;
  port: number;
  /** Origin-form target sent upstream. */
  path: string;
  /** Host named by the Host header (or the absolute URL). */
  claimed: string;
}

function route(head: RequestHead, ctx: HttpContext): Route {
  const hosts = headerValues(head.headers, "host");
  if (hosts.length > 1) throw new HttpSyntaxError("Cannot accept several Host headers");
  if (/^https?:\/\//i.test(head.target)) {
    if (ctx.target || !/^http:/i.test(head.target)) {
      throw new HttpSyntaxError(`Cannot proxy "${head.target.slice(0, 80)}" here: use CONNECT`);
    }
    const url = new URL(head.target);
    if (url.username || url.password) throw new HttpSyntaxError("Cannot send credentials in URL");
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = url.port === "" ? 80 : Number(url.port);
    return { host, port, path: url.pathname + url.search, claimed: host };
  }
  if (!head.target.startsWith("/")) {
    throw new HttpSyntaxError(`Cannot accept request target "${head.target.slice(0, 80)}"`);
  }
  if (!ctx.target) throw new HttpSyntaxError("Cannot proxy an origin-form request: use a URL");
  if (hosts.length === 0 && head.version === "HTTP/1.1") {
    throw new HttpSyntaxError("Cannot accept an HTTP/1.1 request without Host");
  }
  const claimed = hosts[0] === undefined
    ? ctx.target.host
    : parseAuthority(hosts[0], ctx.target.port).host;
  const host = ctx.hostFromHeader ? claimed : ctx.target.host;
  return { host, port: ctx.target.port, path: head.target, claimed };
}

/**
 * Serves HTTP/1.1 requests from `client` until it closes: decides each request, injects
 * headers, forwards it upstream with bodies streamed both ways, and tunnels after a 101.
 */
export async function serveHttp(
  engine: EgressEngine,
  client: Duplex,
  reader: StreamReader,
  ctx: HttpContext,
): Promise<void> {
  let upstream: Upstream | undefined;
  // True between complete exchanges: the upstream may then serve another client connection.
  let reusable = false;
  const dropUpstream = () => {
    if (upstream && reusable) engine.pool.put(upstream);
    else upstream?.socket.destroy();
    upstream = undefined;
    reusable = false;
  };
  const dial = async (key: string, r: Route): Promise<Upstream> => {
    const socket = await engine.dial(r.host, r.port, ctx.scheme === "https");
    return { key, socket, reader: new StreamReader(socket) };
  };
  try {
    for (;;) {
      let head: RequestHead;
      let r: Route;
      let framing: BodyFraming;
      try {
        const bytes = await reader.readUntil(HEAD_END, MAX_HEAD_BYTES);
        if (bytes === null) return;
        head = parseRequestHead(bytes);
        r = route(head, ctx);
        framing = requestFraming(head);
      } catch (error) {
        if (error instanceof HeadTooLargeError) {
          await respond(client, 431, "leash: request head too large", true);
        } else if (error instanceof SyntaxError) {
          engine.emit({
            event: "http.request",
            decision: "deny",
            layer: "proxy",
            status: 400,
            message: error.message,
          });
          await respond(client, 400, `leash: bad request: ${error.message}`, true);
        }
        return;
      }
      const started = performance.now();
      const url = `${ctx.scheme}://${
        hostPort(r.host, r.port).replace(/:(80|443)$/, (m) =>
          (ctx.scheme === "http" && m === ":80") || (ctx.scheme === "https" && m === ":443")
            ? ""
            : m)
      }${r.path}`;
      const path = r.path.split("?")[0]!;
      const verdict = engine.judge("HttpRequest", hostPort(r.host, r.port), {
        method: head.method,
        path,
      });
      const base = { event: "http.request" as const, host: r.host, method: head.method, url };
      if (!verdict.allowed) {
        const reason = denyReason(verdict, `${head.method} ${url}`);
        engine.emit({ ...base, ...verdictFacts(verdict), status: 403, message: reason });
        await respond(client, 403, reason, framing.kind !== "none");
        if (framing.kind !== "none") return;
        continue;
      }
      const upgrade = headerTokens(head.headers, "connection").includes("upgrade") &&
        headerValues(head.headers, "upgrade").length > 0;
      const headers = forwardHeaders(head.headers, upgrade);
      if (headerValues(headers, "host").length === 0) {
        headers.unshift(["Host", hostPort(r.host, r.port)]);
      }
      applyRewrites(
        engine,
        { scheme: ctx.scheme, host: r.host, port: r.port, claimed: r.claimed },
        headers,
      );
      const key = upstreamKey(ctx.scheme, r.host, r.port);
      if (upstream && upstream.key !== key) dropUpstream();
      let reused = upstream !== undefined;
      if (!upstream) {
        upstream = engine.pool.take(key);
        reused = upstream !== undefined;
      }
      reusable = false;
      let sent = 0;
      let bodyDone: Promise<void> = Promise.resolve();
      let response;
      for (let attempt = 0;; attempt++) {
        try {
          if (!upstream) upstream = await dial(key, r);
          const up = upstream;
          bodyDone = (async () => {
            await writeAll(up.socket, headBytes(formatRequestHead(head.method, r.path, headers)));
            sent = await copyBody(reader, up.socket, framing);
          })();
          bodyDone.catch(() => {});
          for (;;) {
            const bytes = await up.reader.readUntil(HEAD_END, MAX_HEAD_BYTES);
            if (bytes === null) {
              throw new UpstreamError("Cannot read the response: upstream closed");
            }
            response = parseResponseHead(bytes);
            if (response.status >= 100 && response.status < 200 && response.status !== 101) {
              await writeAll(client, bytes);
              continue;
            }
            break;
          }
          break;
        } catch (error) {
          dropUpstream();
          // A reused connection the server closed meanwhile: retry once on a fresh one when
          // nothing of the client's body was consumed.
          if (reused && attempt === 0 && framing.kind === "none" && sent === 0) {
            reused = false;
            continue;
          }
          const message = error instanceof Error ? error.message : String(error);
          engine.emit({ ...base, ...verdictFacts(verdict), status: 502, message });
          await respond(client, 502, `leash: ${message}`, true);
          return;
        }
      }
      const up = upstream!;
      if (response.status === 101 && upgrade) {
        await writeAll(
          client,
          headBytes(formatResponseHead(response, forwardHeaders(response.headers, true))),
        );
        engine.emit({ ...base, ...verdictFacts(verdict), status: 101 });
        await bodyDone;
        await Promise.all([pump(reader, up.socket), pump(up.reader, client)]);
        dropUpstream();
        return;
      }
      const rFraming = responseFraming(head.method, response);
      const clientAlive = keepsAlive(head.version, head.headers);
      const upstreamAlive = rFraming.kind !== "close" &&
        keepsAlive(response.version, response.headers);
      const alive = clientAlive && upstreamAlive;
      const outHeaders = forwardHeaders(response.headers, false);
      if (!alive) outHeaders.push(["Connection", "close"]);
      await writeAll(client, headBytes(formatResponseHead(response, outHeaders)));
      const received = await copyBody(up.reader, client, rFraming);
      await bodyDone;
      engine.emit({
        ...base,
        ...verdictFacts(verdict),
        status: response.status,
        bytes_out: sent,
        bytes_in: received,
        duration_ms: Math.round(performance.now() - started),
      });
      if (upstreamAlive) reusable = true;
      else dropUpstream();
      if (!alive) {
        client.end();
        return;
      }
    }
  } catch {
    client.destroy();
  } finally {
    dropUpstream();
  }
}
