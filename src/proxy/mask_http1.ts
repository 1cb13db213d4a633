/**
 * HTTP/1.1 response bodies through the mask stage: the payload is taken out of its framing,
 * decoded when it has a content coding, masked, and framed again for the client. A body that
 * keeps its coding keeps its length (same-length replacement): Content-Length stays valid,
 * a chunked body is chunked again as the masked bytes come. A decoded body goes chunked to an
 * HTTP/1.1 client and until close to an HTTP/1.0 one.
 */
import { Buffer } from "node:buffer";
import type { Writable } from "node:stream";
import { type BodyFraming, type HeaderField, HttpSyntaxError } from "./http_head.ts";
import type { ResponseMask } from "./mask_stage.ts";
import { StreamEndedError, type StreamReader, writeAll } from "./stream.ts";

const CRLF = [13, 10];
const LINE_LIMIT = 8 * 1024;
const latin1 = new TextDecoder("latin1");

/** Yields exactly `n` bytes of `from` as they arrive, counting them; an early end throws. */
async function* exactly(
  from: StreamReader,
  n: number,
  count: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  let left = n;
  while (left > 0) {
    const chunk = await from.read(left);
    if (chunk === null) throw new StreamEndedError("Cannot copy body: the stream ended early");
    left -= chunk.length;
    count(chunk.length);
    yield chunk;
  }
}

/** The payload of a framed body, chunk framing removed; trailer lines (with CRLF) collected. */
async function* payloadOf(
  from: StreamReader,
  framing: BodyFraming,
  trailers: string[],
  count: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  if (framing.kind === "length") {
    yield* exactly(from, framing.length, count);
  } else if (framing.kind === "close") {
    for (;;) {
      const chunk = await from.read();
      if (chunk === null) return;
      count(chunk.length);
      yield chunk;
    }
  } else if (framing.kind === "chunked") {
    for (;;) {
      const line = await from.readUntil(CRLF, LINE_LIMIT);
      if (line === null) throw new StreamEndedError("Cannot copy chunked body: the stream ended");
      const m = /^([0-9A-Fa-f]{1,15})(;[^\r\n]*)?\r\n$/.exec(latin1.decode(line));
      if (!m) throw new HttpSyntaxError("Cannot parse chunk size line");
      const size = parseInt(m[1]!, 16);
      if (size === 0) break;
      yield* exactly(from, size, count);
      const end = await from.readExact(2);
      if (end[0] !== 13 || end[1] !== 10) throw new HttpSyntaxError("Cannot parse chunk end");
    }
    for (;;) {
      const trailer = await from.readUntil(CRLF, LINE_LIMIT);
      if (trailer === null) throw new StreamEndedError("Cannot copy trailers: the stream ended");
      if (trailer.length === 2) return;
      trailers.push(
        Buffer.from(trailer.buffer, trailer.byteOffset, trailer.length).toString("latin1"),
      );
    }
  }
}

/** How the client receives a masked body. */
export interface Http1MaskedResponse {
  /** The header fields to send. */
  fields: HeaderField[];
  /** The connection must close after this body (it is delimited by the close). */
  close: boolean;
  /** Copies the body from the upstream to the client; resolves to the payload bytes read. */
  copy(from: StreamReader, to: Writable): Promise<number>;
}

/**
 * Plans an HTTP/1.1 response through `mask`: `fields` are the head's forwarded fields,
 * `framing` the upstream body's, `clientVersion` the request's HTTP version. A string is the
 * reason the response is refused (a content coding leash cannot undo).
 */
export function maskHttp1Response(
  mask: ResponseMask,
  fields: HeaderField[],
  framing: BodyFraming,
  clientVersion: string,
): Http1MaskedResponse | string {
  const plan = mask.plan(fields, framing.kind !== "none");
  if (plan.kind === "refuse") return plan.reason;
  const decoding = plan.codings.length > 0;
  let out: "same" | "chunked" | "close" = framing.kind === "chunked" ? "chunked" : "same";
  let outFields = plan.fields;
  if (decoding) {
    out = clientVersion === "HTTP/1.1" ? "chunked" : "close";
    outFields = outFields.filter(([n]) => n.toLowerCase() !== "transfer-encoding");
    if (out === "chunked") outFields.push(["Transfer-Encoding", "chunked"]);
  }
  const copy = async (from: StreamReader, to: Writable): Promise<number> => {
    if (framing.kind === "none") return 0;
    let read = 0;
    const trailers: string[] = [];
    const source = payloadOf(from, framing, trailers, (n) => read += n);
    for await (const piece of mask.payload(source, plan.codings)) {
      if (out === "chunked") {
        await writeAll(to, `${piece.length.toString(16)}\r\n`);
        await writeAll(to, piece);
        await writeAll(to, "\r\n");
      } else await writeAll(to, piece);
    }
    if (out === "chunked") {
      const masked = trailers.map((line) => mask.text(line, "trailer"));
      await writeAll(to, Buffer.from(`0\r\n${masked.join("")}\r\n`, "latin1"));
    }
    return read;
  };
  return { fields: outFields, close: out === "close", copy };
}
