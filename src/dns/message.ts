/** The DNS wire format (RFC 1035), as much as a filtering stub resolver needs. */

/** Query types with names; others are reported by number. */
export const QTYPES: Record<number, string> = {
  1: "A",
  2: "NS",
  5: "CNAME",
  6: "SOA",
  12: "PTR",
  15: "MX",
  16: "TXT",
  28: "AAAA",
  33: "SRV",
  64: "SVCB",
  65: "HTTPS",
  255: "ANY",
};

/** Response codes leash sends. */
export const RCODE = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, refused: 5 } as const;

/** A parsed query with one question. */
export interface DnsQuery {
  id: number;
  /** Recursion desired, echoed back. */
  rd: boolean;
  /** The name, lower-cased, without the final dot ("" for the root). */
  name: string;
  type: number;
  class: number;
  /** The question section as received, echoed back. */
  question: Uint8Array;
}

/** One answer record: A (4-byte) or AAAA (16-byte) data. */
export interface DnsAnswer {
  type: number;
  data: Uint8Array;
  ttl: number;
}

/** Parses a query message; throws SyntaxError (answer FORMERR) when malformed. */
export function parseQuery(msg: Uint8Array): DnsQuery {
  const fail = (what: string): never => {
    throw new SyntaxError(`Cannot parse DNS query: ${what}`);
  };
  if (msg.length < 12) fail("shorter than a header");
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const flags = view.getUint16(2);
  if (flags & 0x8000) fail("it is a response");
  if ((flags >> 11) & 0xf) fail("opcode is not QUERY");
  if (view.getUint16(4) !== 1) fail("it does not hold exactly one question");
  let at = 12;
  const labels: string[] = [];
  for (;;) {
    if (at >= msg.length) fail("name runs past the message");
    const len = msg[at]!;
    if (len & 0xc0) fail("compressed or extended label in the question");
    at += 1;
    if (len === 0) break;
    if (at + len > msg.length) fail("label runs past the message");
    const label = new TextDecoder("latin1").decode(msg.subarray(at, at + len));
    if (!/^[A-Za-z0-9_-]+$/.test(label)) fail(`label "${label}" is not a host name label`);
    labels.push(label.toLowerCase());
    at += len;
  }
  if (at + 4 > msg.length) fail("question truncated");
  const name = labels.join(".");
  if (name.length > 253) fail("name longer than 253 characters");
  return {
    id: view.getUint16(0),
    rd: (flags & 0x0100) !== 0,
    name,
    type: view.getUint16(at),
    class: view.getUint16(at + 2),
    question: msg.slice(12, at + 4),
  };
}

/** Builds the response to `query` with `rcode` and answers for its name. */
export function buildResponse(
  query: Pick<DnsQuery, "id" | "rd" | "question">,
  rcode: number,
  answers: DnsAnswer[] = [],
): Uint8Array {
  const size = 12 + query.question.length + answers.reduce((n, a) => n + 12 + a.data.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(0, query.id);
  view.setUint16(2, 0x8000 | (query.rd ? 0x0100 : 0) | 0x0080 | (rcode & 0xf));
  view.setUint16(4, 1);
  view.setUint16(6, answers.length);
  out.set(query.question, 12);
  let at = 12 + query.question.length;
  for (const a of answers) {
    view.setUint16(at, 0xc00c);
    view.setUint16(at + 2, a.type);
    view.setUint16(at + 4, 1);
    view.setUint32(at + 6, a.ttl);
    view.setUint16(at + 10, a.data.length);
    out.set(a.data, at + 12);
    at += 12 + a.data.length;
  }
  return out;
}

/** A FORMERR answer for a message whose question could not be read (echoes the id only). */
export function formErr(msg: Uint8Array): Uint8Array {
  const id = msg.length >= 2 ? (msg[0]! << 8) | msg[1]! : 0;
  const out = buildResponse({ id, rd: false, question: new Uint8Array() }, RCODE.formErr);
  new DataView(out.buffer).setUint16(4, 0);
  return out;
}

/** Encodes an IPv4 or IPv6 address as A/AAAA data; undefined when it is neither. */
export function addressData(ip: string): { type: number; data: Uint8Array } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) return { type: 1, data: new Uint8Array(v4.slice(1).map(Number)) };
  if (!ip.includes(":")) return undefined;
  let expanded: string;
  try {
    expanded = new URL(`http://[${ip}]`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const [head = "", tail] = expanded.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = [...h, ...Array(tail === undefined ? 0 : 8 - h.length - t.length).fill("0"), ...t];
  if (groups.length !== 8) return undefined;
  const data = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    data[i * 2] = n >> 8;
    data[i * 2 + 1] = n & 0xff;
  });
  return { type: 28, data };
}
