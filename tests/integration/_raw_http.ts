/**
 * HTTP/1.1 and WebSocket over a plain TCP connection, for tests that must send what fetch
 * and WebSocket will not (a forged Host, any Origin) or read slowly on purpose.
 */
import { concatBytes } from "../../src/bytes.ts";
import { writeAll } from "../../src/docker/hijack.ts";

/** A response read off the wire. */
export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Sends one request (`Connection: close`) with exactly these headers; reads the whole answer. */
export async function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body = "",
): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const lines = [`${method} ${path} HTTP/1.1`, "Connection: close"];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body !== "") lines.push(`Content-Length: ${encoder.encode(body).length}`);
    await writeAll(conn, encoder.encode(lines.join("\r\n") + "\r\n\r\n" + body));
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
    return parseHead(decoder.decode(concatBytes(chunks)));
  } finally {
    conn.close();
  }
}

/** A WebSocket client speaking RFC 6455 by hand; `read()` only when the test wants to. */
export class RawWebSocket {
  #conn: Deno.TcpConn;
  #pending: Uint8Array = new Uint8Array(0);
  /** The handshake answer's status (101 when upgraded). */
  status = 0;
  head = "";

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Connects and sends the upgrade request with these headers; reads the answer head. */
  static async open(
    port: number,
    path: string,
    headers: Record<string, string>,
  ): Promise<RawWebSocket> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const ws = new RawWebSocket(conn);
    const lines = [
      `GET ${path} HTTP/1.1`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
    ];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    await writeAll(conn, encoder.encode(lines.join("\r\n") + "\r\n\r\n"));
    for (;;) {
      const text = decoder.decode(ws.#pending);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        ws.head = text.slice(0, end);
        ws.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(ws.head)?.[1] ?? 0);
        ws.#pending = ws.#pending.slice(encoder.encode(text.slice(0, end + 4)).length);
        return ws;
      }
      if (!(await ws.#fill())) {
        ws.head = text;
        return ws;
      }
    }
  }

  /** The next text message, or null at EOF or on a close frame. */
  async read(): Promise<string | null> {
    for (;;) {
      const frame = this.#frame();
      if (frame) {
        if (frame.opcode === 8) return null;
        if (frame.opcode === 1) return decoder.decode(frame.payload);
        continue; // ping/pong/binary: not used by the UI
      }
      if (!(await this.#fill())) return null;
    }
  }

  close(): void {
    try {
      this.#conn.close();
    } catch { /* closed */ }
  }

  #frame(): { opcode: number; payload: Uint8Array } | undefined {
    const b = this.#pending;
    if (b.length < 2) return undefined;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = (b[2]! << 8) | b[3]!;
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(new DataView(b.buffer, b.byteOffset + 2, 8).getBigUint64(0));
      offset = 10;
    }
    if (b.length < offset + length) return undefined;
    const payload = b.slice(offset, offset + length);
    this.#pending = b.slice(offset + length);
    return { opcode: b[0]! & 0x0f, payload };
  }

  async #fill(): Promise<boolean> {
    const buffer = new Uint8Array(1 << 20);
    const n = await this.#conn.read(buffer);
    if (n === null) return false;
    this.#pending = concatBytes([this.#pending, buffer.subarray(0, n)]);
    return true;
  }
}

function parseHead(text: string): RawResponse {
  const end = text.indexOf("\r\n\r\n");
  const head = end >= 0 ? text.slice(0, end) : text;
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let body = end >= 0 ? text.slice(end + 4) : "";
  if (headers.get("transfer-encoding") === "chunked") body = unchunk(body);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body };
}

function unchunk(body: string): string {
  let out = "";
  let rest = body;
  for (;;) {
    const nl = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, nl), 16);
    if (!(size > 0)) return out;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
}
