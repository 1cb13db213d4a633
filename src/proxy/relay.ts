import type net from "node:net";
import type { Duplex } from "node:stream";
import { hostPort, parseAuthority } from "../net/mod.ts";
import {
  type ClientHelloInfo,
  clientHelloLength,
  looksLikeTls,
  parseClientHello,
} from "./client_hello.ts";
import { clientLeft } from "./client_left.ts";
import { AddressRefusedError, type EgressEngine } from "./engine.ts";
import { MAX_HEADER_BYTES, parseRelayHeader, type RelayHeader } from "./header.ts";
import { HttpSyntaxError, MAX_HEAD_BYTES, parseRequestHead } from "./http_head.ts";
import { connectH2, h2Key, type H2Target, serveH2 } from "./h2_serve.ts";
import { readAheadGate } from "./deno_conn.ts";
import { serveHttp } from "./http_serve.ts";
import { serverTlsSocket } from "./tls_server.ts";
import { IDLE_TIMEOUT_MS } from "./engine.ts";
import { firstSpeaker } from "./first_speaker.ts";
import { inspectionReason } from "./inspection.ts";
import { respond } from "./respond.ts";
import { HeadTooLargeError, pump, StreamReader, writeAll } from "./stream.ts";
import { denyReason, verdictFacts } from "./verdict.ts";

/** A client silent this long may be waiting for a server that speaks first (SSH, SMTP). */
export const FIRST_BYTES_WAIT_MS = 500;

/** A first line that looks like an HTTP request (strictly parsed later: malformed gets 400). */
const LOOKS_HTTP = /^[A-Za-z][!-~]*[ \t]+[^\r\n]*HTTP\/[0-9]/;

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
  // Decided before the answer: a target that cannot be reached gets 502, never 200 first.
  try {
    await engine.checkUpstream(target.host, target.port);
  } catch (error) {
    const why = `leash: CONNECT ${key} failed: ${
      error instanceof Error ? error.message : String(error)
    }`;
    engine.emit({
      event: "net.connect",
      layer: "proxy",
      host: target.host,
      port: target.port,
      error: true,
      message: why,
    });
    // An address a rule forbids is the policy's answer (403); anything else is the upstream's.
    const status = error instanceof AddressRefusedError && error.byRule ? 403 : 502;
    await respond(socket, status, why, true);
    return;
  }
  await writeAll(socket, "HTTP/1.1 200 Connection established\r\n\r\n");
  await handleDestination(engine, socket, reader, { ...target, transparent: false });
}

/**
 * Sniffs what the client sends first: TLS (MITM), HTTP, or else a raw tunnel, which only a
 * connection nothing at the HTTP level applies to may get (inspection.ts).
 */
async function handleDestination(
  engine: EgressEngine,
  socket: net.Socket,
  reader: StreamReader,
  dest: Destination,
): Promise<void> {
  const mustInspect = inspectionReason(engine, dest);
  let first: Uint8Array | null;
  let raw: { upstream: Duplex; reader: StreamReader } | undefined;
  if (mustInspect !== undefined) {
    // The client must speak first (TLS or HTTP); the idle timeout bounds the wait.
    if (!await reader.waitData(IDLE_TIMEOUT_MS)) {
      return refuseUninspected(engine, socket, dest, mustInspect, "the client sent nothing");
    }
    first = await reader.read();
  } else if (await reader.waitData(FIRST_BYTES_WAIT_MS)) first = await reader.read();
  else {
    // Silent: dial, then whoever speaks first decides (first_speaker.ts).
    if (!judgeRawConnect(engine, dest)) return void socket.destroy();
    const upstream = await dialRaw(engine, socket, reader, dest.host, dest.port);
    if (!upstream) return;
    raw = { upstream, reader: new StreamReader(upstream) };
    const speaker = await firstSpeaker(reader, raw.reader, IDLE_TIMEOUT_MS);
    if (speaker !== "client") {
      if (speaker === "server") await relayRaw(socket, reader, raw.upstream, raw.reader);
      upstream.destroy();
      socket.destroy();
      return;
    }
    first = await reader.read();
  }
  if (first === null) {
    raw?.upstream.destroy();
    return void socket.end();
  }
  reader.unread(first);
  const line = new TextDecoder("latin1").decode(first.subarray(0, Math.min(first.length, 4096)))
    .split("\n")[0]!;
  if (looksLikeTls(first) || LOOKS_HTTP.test(line)) raw?.upstream.destroy();
  if (looksLikeTls(first)) {
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
  // Anything that looks like an HTTP request line is served (and judged) as HTTP: a malformed
  // one gets 400 there, never a raw tunnel a lenient upstream would parse (h2c's preface too).
  if (LOOKS_HTTP.test(line)) {
    await serveHttp(engine, socket, reader, {
      scheme: "http",
      target: { host: dest.host, port: dest.port },
      hostFromHeader: dest.transparent,
    });
    return;
  }
  if (mustInspect !== undefined) {
    return refuseUninspected(engine, socket, dest, mustInspect, "it is neither TLS nor HTTP");
  }
  if (raw) return void await relayRaw(socket, reader, raw.upstream, raw.reader);
  if (!judgeRawConnect(engine, dest)) return void socket.destroy();
  await tunnel(engine, socket, reader, dest.host, dest.port);
}

/** Judges a raw TCP connection on the transparent port (CONNECT was judged already). */
function judgeRawConnect(engine: EgressEngine, dest: Destination): boolean {
  if (!dest.transparent) return true;
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
  return verdict.allowed;
}

/** Closes a connection that must be inspected but cannot be, with a deny event saying why. */
function refuseUninspected(
  engine: EgressEngine,
  socket: net.Socket,
  dest: Destination,
  why: string,
  what: string,
): void {
  engine.emit({
    event: "net.connect",
    decision: "deny",
    layer: "proxy",
    host: dest.host,
    port: dest.port,
    ...(dest.addr !== undefined ? { addr: dest.addr } : {}),
    message: `leash: connection to ${
      hostPort(dest.host, dest.port)
    } refused: it must be inspected (${why}) but ${what}`,
  });
  socket.destroy();
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
  const upstream = await dialRaw(engine, client, reader, host, port);
  if (upstream) await relayRaw(client, reader, upstream, new StreamReader(upstream));
}

/**
 * Dials `host:port` as plain TCP, given up when the client leaves first (its slot in the relay
 * is released at once); on failure reports it, closes `client`, returns undefined.
 */
async function dialRaw(
  engine: EgressEngine,
  client: Duplex,
  reader: StreamReader,
  host: string,
  port: number,
): Promise<Duplex | undefined> {
  const left = clientLeft(client, reader);
  try {
    return await engine.dial(host, port, false, { signal: left.signal });
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
    return undefined;
  } finally {
    left.dispose();
  }
}

/** Copies both ways until both ends finished, then closes both. */
async function relayRaw(
  client: Duplex,
  reader: StreamReader,
  upstream: Duplex,
  upstreamReader: StreamReader,
): Promise<void> {
  try {
    await Promise.all([pump(reader, upstream), pump(upstreamReader, client)]);
  } finally {
    upstream.destroy();
    client.destroy();
  }
}
