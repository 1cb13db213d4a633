import { concatBytes } from "../bytes.ts";
import { DockerApiError, engineMessageOf } from "./errors.ts";
import type { RawConn } from "./transport.ts";

/** A connection whose HTTP exchange ended with an upgrade: from now on raw bytes both ways. */
export interface HijackedConn {
  /** Status of the upgrade answer (101, or 200 from engines that hijack without upgrading). */
  status: number;
  /** Response headers, lower-cased names. */
  headers: Headers;
  /** The connection, positioned after the response head. */
  conn: RawConn;
  /** Stream bytes that arrived together with the response head. */
  buffered: Uint8Array;
}

/** The request line parts of a hijacked request. */
export interface HijackRequest {
  method: string;
  /** Endpoint path for error messages, e.g. `/containers/abc/attach`. */
  path: string;
  /** Full request target sent on the wire, with version prefix and query. */
  target: string;
}

const MAX_HEAD = 64 * 1024;
const encoder = new TextEncoder();

/**
 * Writes an HTTP/1.1 upgrade request (`Upgrade: tcp`) on `conn` and reads the engine's answer.
 * On an error status the body is read, `conn` is closed and a `DockerApiError` thrown.
 */
export async function hijack(conn: RawConn, request: HijackRequest): Promise<HijackedConn> {
  try {
    await writeAll(
      conn,
      encoder.encode(
        `${request.method} ${request.target} HTTP/1.1\r\nHost: localhost\r\n` +
          "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n",
      ),
    );
    const { status, headers, rest } = await readHead(conn, request);
    if (status === 101 || status === 200) return { status, headers, conn, buffered: rest };
    const body = new TextDecoder().decode(await readBody(conn, headers, rest));
    throw new DockerApiError({
      status,
      engineMessage: engineMessageOf(body),
      method: request.method,
      path: request.path,
    });
  } catch (error) {
    conn.close();
    throw error;
  }
}

/** Writes all of `data`, however many writes it takes. */
export async function writeAll(conn: RawConn, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

async function readHead(conn: RawConn, request: HijackRequest) {
  let received: Uint8Array = new Uint8Array(0);
  const buffer = new Uint8Array(16 * 1024);
  while (true) {
    const end = indexOfHeadEnd(received);
    if (end >= 0) {
      const head = new TextDecoder().decode(received.subarray(0, end));
      return { ...parseHead(head, request), rest: received.slice(end + 4) };
    }
    if (received.length > MAX_HEAD) throw protocolError(request, "response head over 64 KiB");
    const n = await conn.read(buffer);
    if (n === null) throw protocolError(request, "connection closed before the response head");
    received = concatBytes([received, buffer.subarray(0, n)]);
  }
}

function parseHead(head: string, request: HijackRequest): { status: number; headers: Headers } {
  const [statusLine = "", ...lines] = head.split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw protocolError(request, `unexpected status line ${JSON.stringify(statusLine)}`);
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { status: Number(match[1]), headers };
}

async function readBody(conn: RawConn, headers: Headers, rest: Uint8Array): Promise<Uint8Array> {
  const length = Number(headers.get("content-length") ?? NaN);
  let body = rest;
  const buffer = new Uint8Array(16 * 1024);
  while (!(body.length >= length) && body.length < MAX_HEAD) {
    const n = await conn.read(buffer);
    if (n === null) break;
    body = concatBytes([body, buffer.subarray(0, n)]);
  }
  if (headers.get("transfer-encoding")?.toLowerCase() === "chunked") return dechunk(body);
  return Number.isFinite(length) ? body.subarray(0, length) : body;
}

/** Decodes a chunked body as far as it is complete (error bodies are small). */
function dechunk(body: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = indexOfCrlf(body, offset);
    if (lineEnd < 0) break;
    const size = parseInt(new TextDecoder().decode(body.subarray(offset, lineEnd)), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return concatBytes(parts);
}

function indexOfCrlf(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 1 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10) return i;
  }
  return -1;
}

function indexOfHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

function protocolError(request: HijackRequest, detail: string): Error {
  return new Error(`Cannot ${request.method} ${request.path} on the Docker engine: ${detail}`);
}
