import type net from "node:net";
import type { Duplex } from "node:stream";
import { hostPort, parseAuthority } from "../net/mod.ts";
import {
  type ClientHelloInfo,
  clientHelloLength,
  looksLikeTls,
  parseClientHello,
} from "./client_hello.ts";
import type { EgressEngine } from "./engine.ts";
import { MAX_HEADER_BYTES, parseRelayHeader, type RelayHeader } from "./header.ts";
import { HttpSyntaxError, MAX_HEAD_BYTES, parseRequestHead } from "./http_head.ts";
import { connectH2, h2Key, type H2Target, serveH2 } from "./h2_serve.ts";
import { readAheadGate } from "./deno_conn.ts";
import { serveHttp } from "./http_serve.ts";
import { serverTlsSocket } from "./tls_server.ts";
import { respond } from "./respond.ts";
import { HeadTooLargeError, pump, StreamReader, writeAll } from "./stream.ts";
import { denyReason, verdictFacts } from "./verdict.ts";

/** A server that speaks first (SSH, SMTP) sends nothing for this long: tunnel it as raw TCP. */
export const FIRST_BYTES_WAIT_MS = 500;

const HTTP_START = /^[A-Z]{3,10} [^\s]+ HTTP\/1\.[01]\r?$/;

interface Destination {
  host: string;
  port: number;
  /** The transparent port (original destination from the relay) rather than CONNECT. */
  transparent: boolean;
  /** The IP the client dialled (transparent), for events. */
  addr?: string;
}

/** Serves one relayed connection from proxy.sock: header line, then explicit or transparent. */
export async function handleRelay(engine: EgressEngine, socket: net.Socket): Promise<void> {
  engine.track(socket);
  const reader = new StreamReader(socket);
  let header: RelayHeader;
  try {
    const line = await reader.readUntil([10], MAX_HEADER_BYTES);
    if (line === null) return void socket.destroy();
    header = parseRelayHeader(new TextDecoder().decode(line).trimEnd());
    if (header.kind === "dns") throw new SyntaxError("Cannot serve a DNS stream on proxy.sock");
  } catch (error) {
    engine.emit({
      event: "net.connect",
      decision: "deny",
      layer: "proxy",
      message: `relay stream refused: ${error instanceof Error ? error.message : String(error)}`,
    });
    socket.destroy();
    return;
  }
  try {
    if (header.kind === "explicit") await handleExplicit(engine, socket, reader);
    else {
      const dst = header.dst!;
      await handleDestination(engine, socket, reader, {
        host: dst.host,
        port: dst.port,
        transparent: true,
        addr: dst.host,
      });
    }
  } catch {
    socket.destroy();
  }
}

async function handleExplicit(
  engine: EgressEngine,
  socket: net.Socket,
  reader: StreamReader,
): Promise<void> {
  let bytes: Uint8Array | null;
  try {
    bytes = await reader.readUntil([13, 10, 13, 10], MAX_HEAD_BYTES);
  } catch (error) {
    if (error instanceof HeadTooLargeError) {
      await respond(socket, 431, "leash: request head too large", true);
    } else socket.destroy();
    return;
  }
  if (bytes === null) return void socket.end();
  let head;
  try {
    head = parseRequestHead(bytes);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await respond(socket, 400, `leash: bad request: ${message}`, true);
    return;
  }
  if (head.method !== "CONNECT") {
    reader.unread(bytes);
    await serveHttp(engine, socket, reader, { scheme: "http" });
    return;
  }
  let target;
  try {
    if (!/:[0-9]+$/.test(head.target)) throw new HttpSyntaxError("CONNECT needs host:port");
    target = parseAuthority(head.target, 443);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await respond(socket, 400, `leash: bad CONNECT: ${message}`, true);
    return;
  }
  const key = hostPort(target.host, target.port);
  const verdict = engine.judge("NetworkConnect", key);
  const reason = denyReason(verdict, `CONNECT ${key}`);
  engine.emit({
    event: "net.connect",
    ...verdictFacts(verdict),
    host: target.host,
    port: target.port,
    ...(verdict.allowed ? {} : { message: reason }),
  });
  if (!verdict.allowed) {
    await respond(socket, 403, reason, true);
    return;
  }
  await writeAll(socket, "HTTP/1.1 200 Connection established\r\n\r\n");
  await handleDestination(engine, socket, reader, { ...target, transparent: false });
}

async function firstBytes(reader: StreamReader): Promise<Uint8Array | null | "silent"> {
  if (!await reader.waitData(FIRST_BYTES_WAIT_MS)) return "silent";
  return await reader.read();
}

async function handleDestination(
  engine: EgressEngine,
  socket: net.Socket,
  reader: StreamReader,
  dest: Destination,
): Promise<void> {
  const first = await firstBytes(reader);
  if (first === null) return void socket.end();
  if (first !== "silent") reader.unread(first);
  if (first !== "silent" && looksLikeTls(first)) {
    const length = Math.min(clientHelloLength(first), 5 + 16 * 1024 + 256);
    const hello = await reader.readExact(Math.max(5, length));
    reader.unread(hello);
    let hi: ClientHelloInfo;
    try {
      hi = parseClientHello(hello);
    } catch (error) {
      engine.emit({
        event: "net.connect",
        decision: "deny",
        layer: "proxy",
        host: dest.host,
        port: dest.port,
        message: error instanceof Error ? error.message : String(error),
      });
      return void socket.destroy();
    }
    await handleTls(engine, socket, reader, dest, hi);
    return;
  }
  const line = first === "silent" ? "" : new TextDecoder("latin1").decode(
    first.subarray(0, Math.min(first.length, 4096)),
  ).split("\n")[0]!;
  if (first !== "silent" && HTTP_START.test(line)) {
    await serveHttp(engine, socket, reader, {
      scheme: "http",
      target: { host: dest.host, port: dest.port },
      hostFromHeader: dest.transparent,
    });
    return;
  }
  if (dest.transparent) {
    const key = hostPort(dest.host, dest.port);
    const verdict = engine.judge("NetworkConnect", key);
    engine.emit({
      event: "net.connect",
      ...verdictFacts(verdict),
      addr: dest.host,
      port: dest.port,
      protocol: "tcp",
      ...(verdict.allowed ? {} : { message: denyReason(verdict, `connect ${key}`) }),
    });
    if (!verdict.allowed) return void socket.destroy();
  }
  await tunnel(engine, socket, reader, dest.host, dest.port);
}

async function handleTls(
  engine: EgressEngine,
  socket: net.Socket,
  reader: StreamReader,
  dest: Destination,
  hello: ClientHelloInfo,
): Promise<void> {
  const host = hello.serverName ?? dest.host;
  const key = hostPort(host, dest.port);
  // CONNECT already decided its authority; a different SNI (or any transparent one) is
  // decided too, and the upstream is always dialled by that name, never by the client's IP.
  if (dest.transparent || host !== dest.host) {
    const verdict = engine.judge("NetworkConnect", key);
    const reason = denyReason(verdict, `TLS to ${key}`);
    engine.emit({
      event: "net.connect",
      ...verdictFacts(verdict),
      host,
      port: dest.port,
      ...(dest.addr !== undefined ? { addr: dest.addr } : {}),
      tls: true,
      ...(verdict.allowed ? {} : { message: reason }),
    });
    if (!verdict.allowed) return void socket.destroy();
  }
  if (engine.passthrough.has(host)) {
    await tunnel(engine, socket, reader, host, dest.port);
    return;
  }
  const leaf = await engine.leaves.get(host);
  const target = { host, port: dest.port };
  // An HTTP/1.0-only client (`curl --http1.0`) offers just "http/1.0": served as HTTP/1.x.
  const protocol = hello.alpn.includes("h2")
    ? await upstreamProtocol(engine, target)
    : hello.alpn.includes("http/1.0") && !hello.alpn.includes("http/1.1")
    ? "http/1.0"
    : "http/1.1";
  reader.detach();
  const rest = reader.drain();
  if (rest) socket.unshift(rest);
  const gate = readAheadGate(socket);
  const secure = engine.track(
    serverTlsSocket(gate.transport, { secureContext: leaf.secureContext, alpn: protocol }),
  );
  const ok = await new Promise<boolean>((resolve) => {
    secure.once("secure", () => resolve(true));
    secure.once("error", () => resolve(false));
    secure.once("close", () => resolve(false));
  });
  if (!ok) {
    engine.emit({
      event: "net.connect",
      decision: "deny",
      layer: "proxy",
      host,
      port: dest.port,
      message: `TLS handshake with the client failed (does it trust the leash CA?)`,
    });
    socket.destroy();
    return;
  }
  if (secure.alpnProtocol === "h2") {
    gate.open(); // HTTP/2 flow control bounds what the client sends
    await serveH2(engine, secure, target);
  } else {
    const reader = new StreamReader(secure, gate.progress);
    await serveHttp(engine, secure, reader, { scheme: "https", target });
  }
  await finish(secure);
}

/**
 * The protocol to offer a client that offered h2: "h2" when the upstream selects it (its
 * session is then pooled), else "http/1.1" (the connection dialled to find out is pooled for
 * the HTTP/1.1 path, and a failed dial is reported there, per request).
 */
async function upstreamProtocol(engine: EgressEngine, target: H2Target): Promise<string> {
  let connection;
  try {
    connection = await connectH2(engine, target);
  } catch {
    return "http/1.1";
  }
  if (connection.kind === "h2") return "h2";
  const { socket } = connection;
  if (connection.protocol === "http/1.1" || connection.protocol === null) {
    engine.pool.put({
      key: engine.poolKey(h2Key(target)),
      socket,
      reader: new StreamReader(socket),
    });
  } else socket.destroy();
  return "http/1.1";
}

/** Ends `socket` after everything written was flushed, then releases it. */
function finish(socket: Duplex): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.once("close", done);
    socket.once("error", done);
    if (socket.writableFinished) done();
    else socket.end(done);
  });
}

async function tunnel(
  engine: EgressEngine,
  client: Duplex,
  reader: StreamReader,
  host: string,
  port: number,
): Promise<void> {
  let upstream: Duplex;
  try {
    upstream = await engine.dial(host, port, false);
  } catch (error) {
    engine.emit({
      event: "net.connect",
      layer: "proxy",
      host,
      port,
      error: true,
      message: error instanceof Error ? error.message : String(error),
    });
    client.destroy();
    return;
  }
  try {
    await Promise.all([pump(reader, upstream), pump(new StreamReader(upstream), client)]);
  } finally {
    upstream.destroy();
    client.destroy();
  }
}
