/**
 * DNS queries from the target (src/dns/message.ts): parseQuery returns a query or throws
 * SyntaxError; a parsed query re-encodes to the same query; the response built for it echoes
 * its id and question; formErr answers anything.
 */
import { buildResponse, parseQuery, RCODE } from "../../../src/dns/mod.ts";
import { formErr } from "../../../src/dns/message.ts";
import { ensure, ensureBounded, ensureSame, type FuzzTarget, parsesOrThrows } from "../_target.ts";

/** The query message for a parsed query (labels as parsed, lower-case). */
function encodeQuery(q: { id: number; rd: boolean; name: string; type: number; class: number }) {
  const labels = q.name === "" ? [] : q.name.split(".");
  const out = new Uint8Array(12 + labels.reduce((n, l) => n + 1 + l.length, 0) + 1 + 4);
  const view = new DataView(out.buffer);
  view.setUint16(0, q.id);
  view.setUint16(2, q.rd ? 0x0100 : 0);
  view.setUint16(4, 1);
  let at = 12;
  for (const label of labels) {
    out[at++] = label.length;
    for (let i = 0; i < label.length; i++) out[at++] = label.charCodeAt(i);
  }
  out[at++] = 0;
  view.setUint16(at, q.type);
  view.setUint16(at + 2, q.class);
  return out;
}

function check(input: Uint8Array): void {
  const reply = formErr(input);
  ensure(reply.length === 12 && (reply[3]! & 0xf) === RCODE.formErr, "formErr() is not a header");
  const q = parsesOrThrows("parseQuery()", () => parseQuery(input), SyntaxError);
  if (!q) return;
  ensureBounded("parseQuery()", q, input.length);
  ensure(/^(?:[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*)?$/.test(q.name), `name "${q.name}"`);
  ensure(q.name.length <= 253, `name of ${q.name.length} characters`);
  ensure(q.question.length === q.name.length + (q.name ? 2 : 1) + 4, "question length");
  ensureSame("question", [...q.question], [...input.subarray(12, 12 + q.question.length)]);
  const again = parseQuery(encodeQuery(q));
  ensureSame("parseQuery(encode(parseQuery(x)))", { ...q, question: [] }, {
    ...again,
    question: [],
  });
  const response = buildResponse(q, RCODE.nxDomain);
  const view = new DataView(response.buffer);
  ensure(view.getUint16(0) === q.id, "response id");
  ensure(
    (view.getUint16(2) & 0x8000) !== 0 && (view.getUint16(2) & 0xf) === RCODE.nxDomain,
    "flags",
  );
  ensureSame("echoed question", [...response.subarray(12)], [...q.question]);
}

/** The target. */
export const target: FuzzTarget = {
  dictionary: [
    "\x00",
    "\x3f",
    "\x40",
    "\xc0\x0c",
    "\x00\x01\x00\x01",
    "\x00\x1c\x00\x01",
    "\x01\x00",
  ],
  maxLength: 1024,
  open: () => ({ check }),
};
