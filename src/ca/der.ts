/** Minimal DER (X.690) encoding and reading, enough to build and inspect X.509 certificates. */

/** An encoded TLV element. */
export type Der = Uint8Array<ArrayBuffer>;

/** Universal and context-specific tags used by X.509. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
} as const;

/** Encodes one TLV element with tag byte `tag` around the concatenated `contents`. */
export function tlv(tag: number, ...contents: Uint8Array[]): Der {
  const length = contents.reduce((sum, part) => sum + part.length, 0);
  const lengthBytes: number[] = [];
  if (length < 0x80) {
    lengthBytes.push(length);
  } else {
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) {
      lengthBytes.unshift(rest & 0xff);
    }
    lengthBytes.unshift(0x80 | lengthBytes.length);
  }
  const out = new Uint8Array(1 + lengthBytes.length + length);
  out[0] = tag;
  out.set(lengthBytes, 1);
  let at = 1 + lengthBytes.length;
  for (const part of contents) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** SEQUENCE of elements. */
export function sequence(...elements: Uint8Array[]): Der {
  return tlv(Tag.SEQUENCE, ...elements);
}

/** An OBJECT IDENTIFIER from dotted form. */
export function oid(dotted: string): Der {
  const arcs = dotted.split(".").map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const group = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) {
      group.unshift(0x80 | (v & 0x7f));
    }
    bytes.push(...group);
  }
  return tlv(Tag.OID, Uint8Array.from(bytes));
}

/** A non-negative INTEGER from big-endian magnitude bytes (adds a 0 octet when the top bit is set). */
export function unsignedInteger(magnitude: Uint8Array): Der {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const pad = (trimmed[0] ?? 0) & 0x80 ? Uint8Array.of(0) : new Uint8Array(0);
  return tlv(Tag.INTEGER, pad, trimmed.length ? trimmed : Uint8Array.of(0));
}

/** A BIT STRING with `unusedBits` in the last octet. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Der {
  return tlv(Tag.BIT_STRING, Uint8Array.of(unusedBits), bytes);
}

/** An OCTET STRING. */
export function octetString(bytes: Uint8Array): Der {
  return tlv(Tag.OCTET_STRING, bytes);
}

/** UTF8String. */
export function utf8String(text: string): Der {
  return tlv(Tag.UTF8_STRING, new TextEncoder().encode(text));
}

/** A context-specific tag `[n]`, primitive (implicit) or constructed. */
export function contextTag(n: number, constructed: boolean, ...contents: Uint8Array[]): Der {
  return tlv(0x80 | (constructed ? 0x20 : 0) | n, ...contents);
}

/** An X.509 Time: UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), whole seconds. */
export function time(date: Date): Der {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "") + "Z";
  const year = date.getUTCFullYear();
  if (year < 2050) return tlv(Tag.UTC_TIME, new TextEncoder().encode(digits.slice(2)));
  return tlv(Tag.GENERALIZED_TIME, new TextEncoder().encode(digits));
}

/** One element read from DER: its tag, the whole encoding and the contents. */
export interface DerElement {
  tag: number;
  /** The full TLV bytes. */
  raw: Uint8Array;
  /** The contents octets. */
  value: Uint8Array;
}

/** Reads the element at `offset`; throws RangeError on truncated or indefinite-length input. */
export function readElement(bytes: Uint8Array, offset = 0): DerElement {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined) throw new RangeError("Cannot read DER: truncated");
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new RangeError("Cannot read DER: unsupported length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[offset + 2 + i] ?? 0);
    header += count;
  }
  const end = offset + header + length;
  if (end > bytes.length) throw new RangeError("Cannot read DER: truncated");
  return {
    tag,
    raw: bytes.subarray(offset, end),
    value: bytes.subarray(offset + header, end),
  };
}

/** The child elements of a constructed element's contents. */
export function children(contents: Uint8Array): DerElement[] {
  const out: DerElement[] = [];
  for (let at = 0; at < contents.length;) {
    const element = readElement(contents, at);
    out.push(element);
    at += element.raw.length;
  }
  return out;
}

/** Decodes an OBJECT IDENTIFIER's contents to dotted form. */
export function decodeOid(contents: Uint8Array): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of contents) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (arcs.length === 0) {
        arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      } else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join(".");
}

/** Decodes a UTCTime or GeneralizedTime element. */
export function decodeTime(element: DerElement): Date {
  const text = new TextDecoder().decode(element.value);
  const full = element.tag === Tag.UTC_TIME
    ? (Number(text.slice(0, 2)) >= 50 ? "19" : "20") + text
    : text;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(full);
  if (!m) throw new RangeError(`Cannot read DER time "${text}": unsupported format`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}
