import { type BodyFraming, HttpSyntaxError } from "./http_head.ts";
import { StreamEndedError, type StreamReader, writeAll } from "./stream.ts";
import type { Writable } from "node:stream";

const CRLF = [13, 10];
const LINE_LIMIT = 8 * 1024;
const decoder = new TextDecoder("latin1");

async function copyExact(from: StreamReader, to: Writable, n: number): Promise<void> {
  let left = n;
  while (left > 0) {
    const chunk = await from.read(left);
    if (chunk === null) throw new StreamEndedError("Cannot copy body: the stream ended early");
    left -= chunk.length;
    await writeAll(to, chunk);
  }
}

async function copyChunked(from: StreamReader, to: Writable): Promise<number> {
  let total = 0;
  for (;;) {
    const line = await from.readUntil(CRLF, LINE_LIMIT);
    if (line === null) throw new StreamEndedError("Cannot copy chunked body: the stream ended");
    const m = /^([0-9A-Fa-f]{1,15})(;[^\r\n]*)?\r\n$/.exec(decoder.decode(line));
    if (!m) throw new HttpSyntaxError("Cannot parse chunk size line");
    const size = parseInt(m[1]!, 16);
    await writeAll(to, line);
    if (size === 0) {
      for (;;) {
        const trailer = await from.readUntil(CRLF, LINE_LIMIT);
        if (trailer === null) throw new StreamEndedError("Cannot copy trailers: the stream ended");
        await writeAll(to, trailer);
        if (trailer.length === 2) return total;
      }
    }
    await copyExact(from, to, size);
    total += size;
    const end = await from.readExact(2);
    if (end[0] !== 13 || end[1] !== 10) throw new HttpSyntaxError("Cannot parse chunk end");
    await writeAll(to, end);
  }
}

/** Streams one message body from `from` to `to` as framed; returns the payload bytes. */
export async function copyBody(
  from: StreamReader,
  to: Writable,
  framing: BodyFraming,
): Promise<number> {
  switch (framing.kind) {
    case "none":
      return 0;
    case "length":
      await copyExact(from, to, framing.length);
      return framing.length;
    case "chunked":
      return await copyChunked(from, to);
    case "close": {
      let total = 0;
      for (;;) {
        const chunk = await from.read();
        if (chunk === null) return total;
        total += chunk.length;
        await writeAll(to, chunk);
      }
    }
  }
}
