/** Real loopback upstreams for the HTTP/2 proxy tests: an h2-only server and an http/1.1-only one. */
import { Buffer } from "node:buffer";
import http2 from "node:http2";
import https from "node:https";
import type { AddressInfo, Server } from "node:net";
import type { Writable } from "node:stream";
import { type CertificateAuthority, createLeafMinter } from "../../src/ca/mod.ts";
import { patternStream } from "./_proxy_harness.ts";

/** What an upstream saw of one request. */
export interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The ALPN protocol of the connection the request came on. */
  alpn: string | false | undefined;
  /** The client port of that connection (one value = one upstream connection). */
  remotePort: number | undefined;
  /** Request trailers, when the client sent any. */
  trailers?: Record<string, string>;
  /** The stream's reset code when it was reset (RST_STREAM) before completing. */
  reset?: number;
}

/** A running test upstream. */
export interface TestUpstream {
  port: number;
  seen: Seen[];
  /** Open HTTP/2 sessions (h2 upstream) or sockets (http/1.1 upstream). */
  open(): number;
  close(): Promise<void>;
}

/** A gRPC message frame: compression flag 0, 4-byte big-endian length, payload. */
export function grpcFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}

/** The payloads of the gRPC frames in `bytes`; throws when the framing is broken. */
export function grpcMessages(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 5 > bytes.length) throw new Error(`truncated gRPC frame header at ${at}`);
    const n = new DataView(bytes.buffer, bytes.byteOffset + at + 1, 4).getUint32(0);
    if (at + 5 + n > bytes.length) throw new Error(`truncated gRPC message at ${at}`);
    out.push(bytes.subarray(at + 5, at + 5 + n));
    at += 5 + n;
  }
  return out;
}

function flat(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (typeof k === "string" && v !== undefined) out[k] = String(v);
  }
  return out;
}

/** Writes {@linkcode patternStream}`(n)` to `to`, honouring backpressure, then ends it. */
async function writePattern(to: Writable, n: number): Promise<void> {
  for await (const block of patternStream(n)) {
    if (to.destroyed) return;
    if (!to.write(block)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          to.off("drain", done);
          to.off("close", done);
          resolve();
        };
        to.on("drain", done);
        to.on("close", done);
      });
    }
  }
  if (!to.destroyed) to.end();
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

/** Listens on 127.0.0.1; `live` holds the open sessions or sockets, destroyed on close. */
async function listenUpstream(
  server: Server,
  seen: Seen[],
  live: Set<{ destroy(): void }>,
): Promise<TestUpstream> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    open: () => live.size,
    async close() {
      for (const s of live) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Starts an HTTP/2-only TLS server for `name` on 127.0.0.1. An `application/grpc` request gets
 * each gRPC message upper-cased, trailers `grpc-status`/`grpc-message` and its own trailers
 * echoed as `echo-<name>`. Paths: `/big?n=` (pattern bytes), `/headers`, `/barrier?n=`
 * (answers once `n` barrier streams are open at the same time), `/goaway` (answers, then ends
 * the session with GOAWAY); anything else gets `hello from NAME METHOD PATH`.
 */
export async function startH2Upstream(
  name: string,
  ca: Pick<CertificateAuthority, "certPem" | "keyPem">,
): Promise<TestUpstream> {
  const leaf = await (await createLeafMinter(ca)).mint(name);
  const server = http2.createSecureServer({ cert: leaf.certPem, key: leaf.keyPem });
  const seen: Seen[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  let barrier: (() => void)[] = [];
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    session.on("error", () => {});
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    const url = new URL(String(headers[":path"]), "https://x");
    const session = stream.session;
    const record: Seen = {
      method: String(headers[":method"]),
      path: url.pathname + url.search,
      headers: flat(headers),
      alpn: session?.alpnProtocol,
      remotePort: session?.socket?.remotePort,
    };
    seen.push(record);
    stream.on("trailers", (t) => record.trailers = flat(t));
    stream.once("close", () => {
      if (stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) record.reset = stream.rstCode;
    });
    const text = (status: number, body: string) => {
      stream.respond({ ":status": status, "content-type": "text/plain" });
      stream.end(body);
    };
    (async () => {
      const grpc = headers["content-type"] === "application/grpc";
      switch (grpc ? "grpc" : url.pathname) {
        case "grpc": {
          const body = await readAll(stream);
          const replies = grpcMessages(body).map((m) =>
            grpcFrame(new TextEncoder().encode(new TextDecoder().decode(m).toUpperCase()))
          );
          stream.respond({ ":status": 200, "content-type": "application/grpc" }, {
            waitForTrailers: true,
          });
          stream.once("wantTrailers", () => {
            const echoed: Record<string, string> = {};
            for (const [k, v] of Object.entries(record.trailers ?? {})) echoed[`echo-${k}`] = v;
            stream.sendTrailers({
              "grpc-status": "0",
              "grpc-message": `ok ${replies.length} messages`,
              ...echoed,
            });
          });
          stream.end(Buffer.concat(replies));
          return;
        }
        case "/big":
          stream.respond({ ":status": 200, "content-type": "application/octet-stream" });
          await writePattern(stream, Number(url.searchParams.get("n")));
          return;
        case "/headers":
          stream.respond({ ":status": 200, "content-type": "application/json" });
          stream.end(JSON.stringify(record.headers));
          return;
        case "/barrier": {
          const n = Number(url.searchParams.get("n"));
          await new Promise<void>((resolve) => {
            barrier.push(resolve);
            if (barrier.length >= n) {
              for (const r of barrier) r();
              barrier = [];
            }
          });
          text(200, `together ${url.searchParams.get("id")}`);
          return;
        }
        case "/goaway":
          text(200, "bye");
          // stream.session is gone once the stream closed: hold on to it.
          stream.once("close", () => session?.close());
          return;
        default:
          text(200, `hello from ${name} ${record.method} ${record.path}`);
      }
    })().catch(() => stream.destroy());
  });
  return await listenUpstream(server, seen, sessions);
}

/** Starts an HTTPS server for `name` that offers only http/1.1 in ALPN. */
export async function startH1OnlyUpstream(
  name: string,
  ca: Pick<CertificateAuthority, "certPem" | "keyPem">,
): Promise<TestUpstream> {
  const leaf = await (await createLeafMinter(ca)).mint(name);
  const seen: Seen[] = [];
  const server = https.createServer({
    cert: leaf.certPem,
    key: leaf.keyPem,
    ALPNProtocols: ["http/1.1"],
  }, (req, res) => {
    const socket = req.socket as unknown as { alpnProtocol?: string | false; remotePort?: number };
    seen.push({
      method: req.method ?? "",
      path: req.url ?? "",
      headers: flat(req.headers),
      alpn: socket.alpnProtocol,
      remotePort: socket.remotePort,
    });
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`hello from ${name} HTTP/${req.httpVersion}`);
    });
  });
  const sockets = new Set<{ destroy(): void }>();
  server.on("secureConnection", (s) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  return await listenUpstream(server, seen, sockets);
}
