/**
 * The logging upstream of the adversarial tier: an HTTPS server (HTTP/1.1 and h2 by ALPN,
 * WebSocket upgrades) or a plain HTTP one, for one name on one address, that records every
 * TCP connection and every request with its TLS server name, Host, `:authority`, path and
 * headers. Its paths echo what it received so reflected secrets can be looked for:
 *
 * - `/echo…` the request headers as JSON, and `x-api-key` again in the `x-echo-key` header
 * - `/split…` `key=<x-api-key>` written one byte at a time (chunk boundaries inside the value)
 * - `/gzip…` the `/echo` JSON gzip-compressed (`Content-Encoding: gzip`)
 * - `/store…` remembers `x-api-key` in the store shared by every upstream; `/recall…` returns it
 * - `/redirect?to=URL` 302 to URL, `{key}` in it replaced by `x-api-key`
 * - `/ws…` (WebSocket upgrade) 101, then one text frame holding the request headers as JSON
 * - anything else: `hello from NAME METHOD PATH`
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type net from "node:net";
import { gzipSync } from "node:zlib";
import { type CertificateAuthority, createLeafMinter } from "../../src/ca/mod.ts";

/** One request as the upstream saw it. */
export interface SeenRequest {
  /** TLS server name of its connection (undefined for plain HTTP or no SNI). */
  sni: string | undefined;
  /** `1.1` or `2.0`. */
  version: string;
  method: string;
  path: string;
  /** The Host header (HTTP/1.1) or `:authority` (h2). */
  authority: string;
  headers: Record<string, string>;
}

/** A running logging upstream. */
export interface LoggingUpstream {
  name: string;
  address: string;
  port: number;
  /** TCP connections accepted (a request need not follow). */
  connections: number;
  requests: SeenRequest[];
  /** Requests whose path or headers mention `tag`. */
  hits(tag: string): SeenRequest[];
  close(): Promise<void>;
}

/** What every upstream of a run shares: the last key `/store` saw. */
export const STORE: { key: string } = { key: "" };

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

function flat(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = String(v);
  return out;
}

function answer(name: string, req: Req, res: Res, seen: SeenRequest): void {
  const url = new URL(req.url ?? "/", "http://x");
  const key = seen.headers["x-api-key"] ?? "";
  const path = url.pathname;
  const send = (status: number, body: string | Uint8Array, headers: Record<string, string>) => {
    res.writeHead(status, headers);
    res.end(body);
  };
  if (path.startsWith("/echo")) {
    return send(200, JSON.stringify(seen.headers) + "\n", {
      "content-type": "application/json",
      "x-echo-key": key,
    });
  }
  if (path.startsWith("/split")) {
    res.writeHead(200, { "content-type": "text/plain" });
    const bytes = new TextEncoder().encode(`key=${key}\n`);
    let at = 0;
    const next = () => {
      if (at >= bytes.length) return void res.end();
      (res as http.ServerResponse).write(bytes.subarray(at, at + 1));
      at++;
      setTimeout(next, 1);
    };
    return next();
  }
  if (path.startsWith("/gzip")) {
    return send(200, gzipSync(JSON.stringify(seen.headers) + "\n"), {
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
  }
  if (path.startsWith("/store")) {
    STORE.key = key;
    return send(200, "stored\n", { "content-type": "text/plain" });
  }
  if (path.startsWith("/recall")) {
    return send(200, `recalled=${STORE.key}\n`, { "content-type": "text/plain" });
  }
  if (path === "/redirect") {
    const to = (url.searchParams.get("to") ?? "/").replaceAll("{key}", key);
    return send(302, "moved\n", { location: to, "content-type": "text/plain" });
  }
  send(200, `hello from ${name} ${seen.method} ${seen.path}\n`, { "content-type": "text/plain" });
}

function record(req: Req, sni: string | undefined, requests: SeenRequest[]): SeenRequest {
  const headers = flat(req.headers as Record<string, unknown>);
  const seen: SeenRequest = {
    sni,
    version: req.httpVersion,
    method: req.method ?? "",
    path: req.url ?? "",
    authority: headers[":authority"] ?? headers.host ?? "",
    headers,
  };
  requests.push(seen);
  return seen;
}

/** Answers a WebSocket upgrade: 101, one text frame with the request headers, a close frame. */
function upgrade(req: http.IncomingMessage, socket: net.Socket, requests: SeenRequest[]): void {
  const tls = socket as unknown as { servername?: string };
  const seen = record(req, tls.servername || undefined, requests);
  socket.on("error", () => {});
  const key = seen.headers["sec-websocket-key"] ?? "";
  const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
    .digest("base64");
  const payload = Buffer.from(JSON.stringify(seen.headers));
  const len = payload.length < 126
    ? Buffer.from([0x81, payload.length])
    : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  socket.write(Buffer.concat([len, payload]));
  socket.end(Buffer.from([0x88, 0]));
}

/** Options for {@linkcode startLoggingUpstream}. */
export interface LoggingUpstreamOptions {
  /** Serves HTTPS with a leaf for the name from this CA; plain HTTP when absent. */
  ca?: Pick<CertificateAuthority, "certPem" | "keyPem">;
  /** The address to listen on. @default "127.0.0.1" */
  address?: string;
}

/** Starts a logging upstream for `name`. */
export async function startLoggingUpstream(
  name: string,
  options: LoggingUpstreamOptions = {},
): Promise<LoggingUpstream> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<{ destroy(): void }>();
  let server: http.Server | http2.Http2SecureServer;
  if (options.ca) {
    const leaf = await (await createLeafMinter(options.ca)).mint(name);
    server = http2.createSecureServer({
      cert: leaf.certPem,
      key: leaf.keyPem,
      allowHTTP1: true,
    }, (req, res) => {
      const tls = req.socket as unknown as { servername?: string };
      answer(name, req, res, record(req, tls.servername || undefined, requests));
    });
    server.on("session", (s: http2.ServerHttp2Session) => {
      sockets.add(s);
      s.on("error", () => {});
      s.once("close", () => sockets.delete(s));
    });
  } else {
    server = http.createServer((req, res) => {
      answer(name, req, res, record(req, undefined, requests));
    });
  }
  server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
    if (/websocket/i.test(String(req.headers.upgrade))) return upgrade(req, socket, requests);
    // Any other protocol (h2c): recorded and answered as HTTP/1.1, as a server without it would.
    const seen = record(req, undefined, requests);
    socket.on("error", () => {});
    const body = `hello from ${name} ${seen.method} ${seen.path}\n`;
    socket.end(
      `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n` +
        `connection: close\r\n\r\n${body}`,
    );
  });
  const result: LoggingUpstream = {
    name,
    address: options.address ?? "127.0.0.1",
    port: 0,
    connections: 0,
    requests,
    hits: (tag) => requests.filter((r) => JSON.stringify(r).includes(tag)),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on("connection", (s: net.Socket) => {
    result.connections++;
    sockets.add(s);
    s.on("error", () => {});
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, result.address, () => resolve());
  });
  result.port = (server.address() as AddressInfo).port;
  return result;
}
