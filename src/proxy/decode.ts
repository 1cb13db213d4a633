/**
 * Content codings of a response body (RFC 9110 §8.4) that the mask stage can undo, so secret
 * values are found in compressed bodies too.
 */
import { once } from "node:events";
import type { Transform } from "node:stream";
import zlib from "node:zlib";
import { type HeaderField, headerTokens } from "./http_head.ts";

/** What a response's Content-Encoding asks of the mask stage. */
export type Decoding =
  | { kind: "identity" }
  | { kind: "decode"; codings: string[] }
  | { kind: "unknown"; coding: string };

const KNOWN = new Set(["gzip", "x-gzip", "deflate", "br"]);

/** The codings to undo (in the order they were applied), or the first one leash cannot undo. */
export function contentDecoding(fields: HeaderField[]): Decoding {
  const codings = headerTokens(fields, "content-encoding").filter((c) => c !== "identity");
  if (codings.length === 0) return { kind: "identity" };
  const unknown = codings.find((c) => !KNOWN.has(c));
  if (unknown !== undefined) return { kind: "unknown", coding: unknown };
  return { kind: "decode", codings };
}

function decoderFor(coding: string, first: Uint8Array): Transform {
  switch (coding) {
    case "br":
      return zlib.createBrotliDecompress();
    case "deflate":
      // "deflate" means the zlib format, but some servers send raw deflate: a zlib stream
      // starts with CMF 0x?8 and a header checksum divisible by 31.
      return first.length >= 2 && (first[0]! & 0x0f) === 8 &&
          ((first[0]! << 8) | first[1]!) % 31 === 0
        ? zlib.createInflate()
        : zlib.createInflateRaw();
    default:
      return zlib.createGunzip();
  }
}

async function* undo(
  source: AsyncIterable<Uint8Array>,
  coding: string,
): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const z = decoderFor(coding, first.value);
  const feeding = (async () => {
    let next: IteratorResult<Uint8Array> = first;
    while (!next.done) {
      if (!z.write(next.value)) await once(z, "drain");
      next = await iterator.next();
    }
    z.end();
  })();
  feeding.catch((error) => z.destroy(error));
  try {
    for await (const chunk of z) yield chunk as Uint8Array;
    await feeding;
  } finally {
    z.destroy();
    await iterator.return?.();
  }
}

/** The decoded bytes of `source`, a body encoded with `codings` (applied in that order). */
export function decodeBody(
  source: AsyncIterable<Uint8Array>,
  codings: string[],
): AsyncIterable<Uint8Array> {
  let out = source;
  for (const coding of [...codings].reverse()) out = undo(out, coding);
  return out;
}
