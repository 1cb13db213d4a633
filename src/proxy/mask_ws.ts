/**
 * Upgraded connections through the mask stage. WebSocket (RFC 6455): the server's frames are
 * parsed and each message's payload is masked as one stream, so a value split across
 * fragments is found; a data frame whose end is held back (it may begin a value) goes out as
 * a shorter fragment and the rest follows with the message's next bytes, so frame lengths
 * stay valid. Control frames are masked in place. Compression cannot hide a value: the
 * request's `Sec-WebSocket-Extensions` offer is removed, and a frame with an RSV bit set (an
 * extension leash did not let through) ends the connection. Other upgraded protocols are
 * masked as a plain byte stream.
 */
import type { Writable } from "node:stream";
import { type HeaderField, headerValues } from "./http_head.ts";
import type { ResponseMask } from "./mask_stage.ts";
import type { StreamMasker } from "./mask.ts";
import { type StreamReader, writeAll } from "./stream.ts";

/** Payload bytes read at a time from a large frame. */
const PIECE = 64 * 1024;

/** A frame leash cannot pass through the mask stage. */
export class WebSocketFrameError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "WebSocketFrameError";
  }
}

/** Upgrade request fields without the WebSocket extension offer (compression). */
export function withoutExtensionOffer(fields: HeaderField[]): HeaderField[] {
  return fields.filter(([n]) => n.toLowerCase() !== "sec-websocket-extensions");
}

/** Whether a 101 response switched to WebSocket. */
export function isWebSocket(fields: HeaderField[]): boolean {
  return headerValues(fields, "upgrade").some((v) => v.trim().toLowerCase() === "websocket");
}

function frameHead(fin: boolean, opcode: number, length: number): Uint8Array {
  const b0 = (fin ? 0x80 : 0) | opcode;
  if (length < 126) return new Uint8Array([b0, length]);
  if (length < 0x10000) return new Uint8Array([b0, 126, length >> 8, length & 0xff]);
  const head = new Uint8Array(10);
  head[0] = b0;
  head[1] = 127;
  new DataView(head.buffer).setBigUint64(2, BigInt(length));
  return head;
}

async function writeFrame(to: Writable, fin: boolean, opcode: number, payload: Uint8Array) {
  await writeAll(to, frameHead(fin, opcode, payload.length));
  if (payload.length > 0) await writeAll(to, payload);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Copies the server's WebSocket frames from `from` to `to` with secret values masked, until
 * the stream ends; then half-closes `to`. A frame it cannot mask (an RSV bit, a masked server
 * frame) is not forwarded: the client gets a close frame (1008) and the end, and an event.
 */
export async function pumpMaskedFrames(
  from: StreamReader,
  to: Writable,
  mask: ResponseMask,
): Promise<void> {
  try {
    await maskFrames(from, to, mask);
  } catch (error) {
    if (!(error instanceof WebSocketFrameError)) throw error;
    mask.refused("frame", `WebSocket connection closed: ${error.message}`);
    // The client gets what was masked so far and a close frame (1008, policy violation).
    const reason = new TextEncoder().encode("leash: frame cannot be masked");
    const payload = new Uint8Array(2 + reason.length);
    payload.set([0x03, 0xf0]);
    payload.set(reason, 2);
    await writeFrame(to, true, 8, payload);
    if (!to.destroyed && !to.writableEnded) to.end();
  }
}

async function maskFrames(from: StreamReader, to: Writable, mask: ResponseMask): Promise<void> {
  let message: { masker: StreamMasker; opcode: number } | undefined;
  for (;;) {
    const first = await from.read(1);
    if (first === null) break;
    const b0 = first[0]!;
    const b1 = (await from.readExact(1))[0]!;
    if ((b0 & 0x70) !== 0) {
      throw new WebSocketFrameError(
        "Cannot mask a WebSocket frame with RSV bits set (an extension leash did not negotiate)",
      );
    }
    if ((b1 & 0x80) !== 0) throw new WebSocketFrameError("Cannot mask a masked server frame");
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    let length = b1 & 0x7f;
    if (length === 126) {
      const ext = await from.readExact(2);
      length = (ext[0]! << 8) | ext[1]!;
    } else if (length === 127) {
      const ext = await from.readExact(8);
      const big = new DataView(ext.buffer, ext.byteOffset, 8).getBigUint64(0);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new WebSocketFrameError("Cannot mask a WebSocket frame longer than 2^53 bytes");
      }
      length = Number(big);
    }
    if (opcode >= 8) {
      // Control frames are short and never fragmented: masked whole, same length.
      const payload = length > 0 ? await from.readExact(length) : new Uint8Array(0);
      await writeFrame(to, fin, opcode, mask.block(payload, "frame"));
      continue;
    }
    if (opcode !== 0 || !message) message = { masker: mask.stream("frame"), opcode };
    const current = message;
    let left = length;
    do {
      const piece = left > 0 ? await from.readExact(Math.min(left, PIECE)) : new Uint8Array(0);
      left -= piece.length;
      const last = left === 0 && fin;
      let out = current.masker.push(piece);
      if (last) out = concat(out, current.masker.end());
      if (out.length > 0 || last) {
        await writeFrame(to, last, current.opcode, out);
        current.opcode = 0; // later fragments of the message are continuations
      }
    } while (left > 0);
    if (fin) message = undefined;
  }
  if (!to.destroyed && !to.writableEnded) to.end();
}

/** Copies a non-WebSocket upgraded stream with secret values masked, then half-closes `to`. */
export async function pumpMasked(
  from: StreamReader,
  to: Writable,
  mask: ResponseMask,
): Promise<void> {
  const masker = mask.stream("body");
  for (;;) {
    const chunk = await from.read();
    if (chunk === null) break;
    const out = masker.push(chunk);
    if (out.length > 0) await writeAll(to, out);
  }
  const rest = masker.end();
  if (rest.length > 0) await writeAll(to, rest);
  if (!to.destroyed && !to.writableEnded) to.end();
}
