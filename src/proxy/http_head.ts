/** HTTP/1.1 message heads: parsing, framing rules (RFC 9112) and serialisation. */

/** Largest request or response head accepted. */
export const MAX_HEAD_BYTES = 64 * 1024;

/** A header field as received (name case kept). */
export type HeaderField = [name: string, value: string];

/** A parsed request head. */
export interface RequestHead {
  method: string;
  /** The request target as written (origin-form, absolute-form or authority-form). */
  target: string;
  version: "HTTP/1.0" | "HTTP/1.1";
  headers: HeaderField[];
}

/** A parsed response head. */
export interface ResponseHead {
  version: string;
  status: number;
  reason: string;
  headers: HeaderField[];
}

/** How a message body is delimited. */
export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "close" };

/** A malformed or unsafe message; the connection answers 400 and closes. */
export class HttpSyntaxError extends SyntaxError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "HttpSyntaxError";
  }
}

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * One character per byte (ISO-8859-1). Not TextDecoder("latin1"), which is windows-1252 and
 * maps 0x80-0x9f elsewhere: a head must serialise back to the bytes it came as.
 */
function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let at = 0; at < bytes.length; at += 4096) {
    text += String.fromCharCode(...bytes.subarray(at, at + 4096));
  }
  return text;
}

/**
 * The bytes of a serialised head: one byte per character as parsed (non-ASCII field bytes
 * pass through unchanged); a character past U+00FF (an injected value) as its UTF-8.
 */
export function headBytes(text: string): Uint8Array {
  if (!/[\u0100-\uffff]/.test(text)) return Uint8Array.from(text, (c) => c.charCodeAt(0));
  const out: number[] = [];
  for (const c of text) {
    const code = c.codePointAt(0)!;
    if (code <= 0xff) out.push(code);
    else out.push(...new TextEncoder().encode(c));
  }
  return Uint8Array.from(out);
}

function parseFields(lines: string[]): HeaderField[] {
  const headers: HeaderField[] = [];
  for (const line of lines) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    const name = colon < 0 ? "" : line.slice(0, colon);
    if (!TOKEN_RE.test(name)) {
      throw new HttpSyntaxError(`Cannot parse header line "${line.slice(0, 60)}"`);
    }
    const value = line.slice(colon + 1).trim();
    if (/[\0\r\n]/.test(value)) throw new HttpSyntaxError(`Cannot parse header "${name}"`);
    headers.push([name, value]);
  }
  return headers;
}

function splitHead(bytes: Uint8Array): string[] {
  const text = latin1(bytes);
  if (!text.endsWith("\r\n\r\n")) throw new HttpSyntaxError("Cannot parse head: no blank line");
  const lines = text.slice(0, -4).split("\r\n");
  if (lines.some((l) => l.includes("\n"))) {
    throw new HttpSyntaxError("Cannot parse head: bare LF in a line");
  }
  if (lines.slice(1).some((l) => /^[ \t]/.test(l))) {
    throw new HttpSyntaxError("Cannot parse head: obsolete line folding");
  }
  return lines;
}

/** Parses a request head (bytes up to and including the blank line). */
export function parseRequestHead(bytes: Uint8Array): RequestHead {
  const lines = splitHead(bytes);
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) (HTTP\/1\.[01])$/.exec(lines[0] ?? "");
  if (!m) {
    throw new HttpSyntaxError(`Cannot parse request line "${(lines[0] ?? "").slice(0, 80)}"`);
  }
  return {
    method: m[1]!,
    target: m[2]!,
    version: m[3] as "HTTP/1.0" | "HTTP/1.1",
    headers: parseFields(lines.slice(1)),
  };
}

/** Parses a response head. */
export function parseResponseHead(bytes: Uint8Array): ResponseHead {
  const lines = splitHead(bytes);
  const m = /^(HTTP\/1\.[01]) ([1-9][0-9]{2})(?: (.*))?$/.exec(lines[0] ?? "");
  if (!m) {
    throw new HttpSyntaxError(`Cannot parse status line "${(lines[0] ?? "").slice(0, 80)}"`);
  }
  return {
    version: m[1]!,
    status: Number(m[2]),
    reason: m[3] ?? "",
    headers: parseFields(lines.slice(1)),
  };
}

/** Every value of header `name` (case-insensitive), in order. */
export function headerValues(headers: HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** The comma-separated tokens of header `name`, lower-cased. */
export function headerTokens(headers: HeaderField[], name: string): string[] {
  return headerValues(headers, name).flatMap((v) => v.split(","))
    .map((t) => t.trim().toLowerCase()).filter((t) => t !== "");
}

function lengthFraming(headers: HeaderField[]): BodyFraming | undefined {
  const te = headerTokens(headers, "transfer-encoding");
  const cl = headerValues(headers, "content-length").flatMap((v) => v.split(","))
    .map((v) => v.trim());
  if (te.length > 0) {
    if (cl.length > 0) {
      throw new HttpSyntaxError("Cannot accept both Transfer-Encoding and Content-Length");
    }
    if (te[te.length - 1] !== "chunked" || te.filter((t) => t === "chunked").length !== 1) {
      throw new HttpSyntaxError(`Cannot accept Transfer-Encoding "${te.join(", ")}"`);
    }
    return { kind: "chunked" };
  }
  if (cl.length > 0) {
    if (!cl.every((v) => /^[0-9]{1,15}$/.test(v)) || new Set(cl).size !== 1) {
      throw new HttpSyntaxError(`Cannot accept Content-Length "${cl.join(", ")}"`);
    }
    return { kind: "length", length: Number(cl[0]) };
  }
  return undefined;
}

/** The body framing of a request; rejects smuggling shapes (CL+TE, differing CLs). */
export function requestFraming(head: RequestHead): BodyFraming {
  const framing = lengthFraming(head.headers) ?? { kind: "none" };
  return framing.kind === "length" && framing.length === 0 ? { kind: "none" } : framing;
}

/** The body framing of a response to `method`. */
export function responseFraming(method: string, head: ResponseHead): BodyFraming {
  if (method === "HEAD" || head.status < 200 || head.status === 204 || head.status === 304) {
    return { kind: "none" };
  }
  const framing = lengthFraming(head.headers) ?? { kind: "close" };
  return framing.kind === "length" && framing.length === 0 ? { kind: "none" } : framing;
}

/** Whether the connection stays open after this message (HTTP/1.1 default, Connection). */
export function keepsAlive(version: string, headers: HeaderField[]): boolean {
  const tokens = headerTokens(headers, "connection");
  if (tokens.includes("close")) return false;
  return version === "HTTP/1.1" || tokens.includes("keep-alive");
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "upgrade",
]);

const FRAMING_FIELDS = new Set(["content-length", "transfer-encoding"]);

/**
 * Headers to forward: hop-by-hop ones and those `Connection` names (not the framing fields)
 * removed; `Upgrade` and `Connection: upgrade` kept when `upgrade` is true (WebSocket).
 */
export function forwardHeaders(headers: HeaderField[], upgrade: boolean): HeaderField[] {
  // Framing fields stay whatever Connection names: the body is forwarded as they frame it, and
  // without them the next hop would read that body as the next message (request smuggling).
  const named = new Set(
    headerTokens(headers, "connection").filter((t) => !FRAMING_FIELDS.has(t)),
  );
  const out = headers.filter(([n]) => {
    const lower = n.toLowerCase();
    return !HOP_BY_HOP.has(lower) && !named.has(lower);
  });
  if (upgrade) {
    for (const v of headerValues(headers, "upgrade")) out.push(["Upgrade", v]);
    out.push(["Connection", "Upgrade"]);
  }
  return out;
}

/** Serialises a request head. */
export function formatRequestHead(
  method: string,
  target: string,
  headers: HeaderField[],
): string {
  return `${method} ${target} HTTP/1.1\r\n` + headers.map(([n, v]) => `${n}: ${v}\r\n`).join("") +
    "\r\n";
}

/** Serialises a response head. */
export function formatResponseHead(head: ResponseHead, headers: HeaderField[]): string {
  return `HTTP/1.1 ${head.status} ${head.reason}\r\n` +
    headers.map(([n, v]) => `${n}: ${v}\r\n`).join("") + "\r\n";
}
