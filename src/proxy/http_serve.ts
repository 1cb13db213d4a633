import type { Duplex } from "node:stream";
import { copyBody } from "./body.ts";
import { AddressRefusedError, type EgressEngine, UpstreamError } from "./engine.ts";
import {
  type BodyFraming,
  formatRequestHead,
  formatResponseHead,
  forwardHeaders,
  headBytes,
  type HeaderField,
  headerValues,
  keepsAlive,
  MAX_HEAD_BYTES,
  parseRequestHead,
  parseResponseHead,
  requestFraming,
  type RequestHead,
  responseFraming,
} from "./http_head.ts";
import { judgeRequest, refusalText, requestChannel } from "./request_judge.ts";
import { maskStage } from "./mask_stage.ts";
import { maskHttp1Response } from "./mask_http1.ts";
import { isWebSocket, pumpMasked, pumpMaskedFrames, withoutExtensionOffer } from "./mask_ws.ts";
import { respond } from "./respond.ts";
import { forwardRequestFields, switchedToWebSocket, upgradeOffer } from "./upgrade.ts";
import { applyRewrites } from "./rewrite.ts";
import { type Upstream, upstreamKey } from "./pool.ts";
import { HeadTooLargeError, pump, StreamReader, writeAll } from "./stream.ts";
import { verdictFacts } from "./verdict.ts";

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
  const dial = async (key: string, r: { host: string; port: number }): Promise<Upstream> => {
    const socket = await engine.dial(r.host, r.port, ctx.scheme === "https");
    return { key, socket, reader: new StreamReader(socket) };
  };
  const channel = requestChannel(ctx.scheme, ctx.target, ctx.hostFromHeader);
  try {
    for (;;) {
      let head: RequestHead;
      let framing: BodyFraming;
      try {
        const bytes = await reader.readUntil(HEAD_END, MAX_HEAD_BYTES);
        if (bytes === null) return;
        head = parseRequestHead(bytes);
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
      const j = judgeRequest(engine, channel, {
        method: head.method,
        target: head.target,
        authorities: headerValues(head.headers, "host"),
        protocol: "h1",
        version: head.version,
      });
      if (!j.ok) {
        const text = refusalText(j);
        const named = j.authority ?? channel.authority;
        engine.emit({
          event: "http.request",
          ...(j.verdict ? verdictFacts(j.verdict) : { decision: "deny", layer: "proxy" }),
          ...(named ? { host: named.host } : {}),
          method: head.method,
          ...(j.url !== undefined ? { url: j.url } : {}),
          status: j.status,
          message: text,
        });
        // Only a policy 403 of a bodiless request keeps the connection, and only when the
        // client did not ask to close it: a malformed or misdirected one is not answered twice.
        const close = j.status !== 403 || framing.kind !== "none" ||
          !keepsAlive(head.version, head.headers);
        await respond(client, j.status, text, close);
        if (close) return;
        continue;
      }
      const verdict = j.verdict;
      const r = { host: j.authority.host, port: j.authority.port, path: j.path };
      const url = j.url;
      const base = { event: "http.request" as const, host: r.host, method: head.method, url };
      // WebSocket is the only upgrade forwarded; other offers (h2c...) are removed (upgrade.ts).
      const offer = upgradeOffer(head.headers);
      const upgrade = offer === "websocket";
      const mask = maskStage(engine, { ...base, protocol: "http/1.1" });
      // The Host forwarded is the authority judged, in its normalised spelling.
      let headers: HeaderField[] = [
        ["Host", j.hostField],
        ...forwardRequestFields(head.headers, offer).filter(([n]) => n.toLowerCase() !== "host"),
      ];
      // Compressed WebSocket frames could hide a secret from the mask stage.
      if (mask && upgrade) headers = withoutExtensionOffer(headers);
      applyRewrites(
        engine,
        { scheme: ctx.scheme, host: r.host, port: r.port, claimed: r.host },
        headers,
      );
      const key = engine.poolKey(upstreamKey(ctx.scheme, r.host, r.port));
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
              await writeAll(client, mask ? mask.block(bytes, "header") : bytes);
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
          // An upstream's malformed head may quote a header that holds a secret.
          const raw = error instanceof Error ? error.message : String(error);
          const message = mask?.text(raw, "error") ?? raw;
          const status = error instanceof AddressRefusedError && error.byRule ? 403 : 502;
          engine.emit({ ...base, ...verdictFacts(verdict), status, message });
          await respond(client, status, `leash: ${message}`, true);
          return;
        }
      }
      const up = upstream!;
      if (mask) response.reason = mask.text(response.reason, "header");
      if (response.status === 101 && !(upgrade && switchedToWebSocket(response.headers))) {
        const message = `upstream switched protocols (${
          mask?.text(headerValues(response.headers, "upgrade").join(", "), "header") ??
            headerValues(response.headers, "upgrade").join(", ")
        }) without a WebSocket offer forwarded: refused, it could not be inspected`;
        engine.emit({ ...base, ...verdictFacts(verdict), status: 502, message });
        await respond(client, 502, `leash: ${message}`, true);
        return;
      }
      if (response.status === 101) {
        const fields = forwardHeaders(response.headers, true);
        await writeAll(
          client,
          headBytes(formatResponseHead(response, mask?.fields(fields) ?? fields)),
        );
        engine.emit({ ...base, ...verdictFacts(verdict), status: 101 });
        await bodyDone;
        const down = !mask
          ? pump(up.reader, client)
          : isWebSocket(response.headers)
          ? pumpMaskedFrames(up.reader, client, mask)
          : pumpMasked(up.reader, client, mask);
        await Promise.all([pump(reader, up.socket), down]);
        dropUpstream();
        return;
      }
      const rFraming = responseFraming(head.method, response);
      const clientAlive = keepsAlive(head.version, head.headers);
      const upstreamAlive = rFraming.kind !== "close" &&
        keepsAlive(response.version, response.headers);
      let outHeaders = forwardHeaders(response.headers, false);
      let copy = () => copyBody(up.reader, client, rFraming);
      let alive = clientAlive && upstreamAlive;
      const masked = mask && maskHttp1Response(mask, outHeaders, rFraming, head.version);
      if (typeof masked === "string") {
        engine.emit({ ...base, ...verdictFacts(verdict), status: 502, message: masked });
        await respond(client, 502, `leash: ${masked}`, true);
        return;
      }
      if (masked) {
        outHeaders = masked.fields;
        copy = () => masked.copy(up.reader, client);
        alive &&= !masked.close;
      }
      if (!alive) outHeaders.push(["Connection", "close"]);
      await writeAll(client, headBytes(formatResponseHead(response, outHeaders)));
      const received = await copy();
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
