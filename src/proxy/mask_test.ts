import assert from "node:assert/strict";
import {
  markerPatterns,
  maskCutValues,
  maskText,
  sameLengthMark,
  StreamMasker,
  wirePatterns,
} from "./mask.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Runs `chunks` through a fresh masker; the joined output and the hits. */
function run(
  secrets: [string, string][],
  chunks: Uint8Array[],
  patterns = wirePatterns(secrets),
): { out: Uint8Array; hits: string[]; maxHeld: number } {
  const hits: string[] = [];
  const masker = new StreamMasker(patterns, (name) => hits.push(name));
  const parts: Uint8Array[] = [];
  let maxHeld = 0;
  for (const c of chunks) {
    parts.push(masker.push(c));
    maxHeld = Math.max(maxHeld, masker.held);
  }
  parts.push(masker.end());
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { out, hits, maxHeld };
}

function includes(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

const SECRET = "sk-live-0123456789abcdef";

Deno.test("sameLengthMark() pads the marker to the value's length, or fills short values", () => {
  assert.equal(dec.decode(sameLengthMark("K", 16)), "[secret:K]******");
  assert.equal(dec.decode(sameLengthMark("LONG_NAME", 5)), "*****");
  assert.equal(sameLengthMark("K", 10).length, 10);
});

Deno.test("StreamMasker masks a value split at every position across 2 chunks", () => {
  const text = enc.encode(`before ${SECRET} after`);
  for (let cut = 0; cut <= text.length; cut++) {
    const { out, hits } = run([["K", SECRET]], [text.subarray(0, cut), text.subarray(cut)]);
    assert.equal(out.length, text.length, `cut ${cut}`);
    assert.equal(dec.decode(out), `before [secret:K]************** after`, `cut ${cut}`);
    assert.deepEqual(hits, ["K"]);
  }
});

Deno.test("StreamMasker masks a value split at every pair of positions across 3 chunks", () => {
  const text = enc.encode(`x${SECRET}y`);
  for (let a = 0; a <= text.length; a++) {
    for (let b = a; b <= text.length; b++) {
      const chunks = [text.subarray(0, a), text.subarray(a, b), text.subarray(b)];
      const { out, hits } = run([["K", SECRET]], chunks);
      assert.ok(!includes(out, enc.encode(SECRET)), `cuts ${a},${b}`);
      assert.equal(out.length, text.length);
      assert.equal(hits.length, 1);
    }
  }
});

Deno.test("StreamMasker masks a value fed one byte at a time and holds at most len-1 bytes", () => {
  const text = enc.encode(`${SECRET}${SECRET}-${SECRET.slice(0, 10)}`);
  const chunks = [...text].map((b) => new Uint8Array([b]));
  const { out, hits, maxHeld } = run([["K", SECRET]], chunks);
  assert.equal(hits.length, 2);
  assert.ok(maxHeld <= SECRET.length - 1);
  // The trailing partial value is not the secret: it comes out unmasked at the end.
  assert.ok(dec.decode(out).endsWith(`-${SECRET.slice(0, 10)}`));
  assert.ok(!includes(out, enc.encode(SECRET)));
});

Deno.test("StreamMasker holds nothing back when a chunk's end cannot begin a value", () => {
  const masker = new StreamMasker(wirePatterns([["K", SECRET]]));
  const chunk = enc.encode('data: {"event":"delta"}\n\n');
  assert.equal(masker.push(chunk).length, chunk.length);
  assert.equal(masker.held, 0);
  assert.equal(dec.decode(masker.push(enc.encode("x sk-li"))), "x ");
  assert.equal(masker.held, 5);
  assert.equal(dec.decode(masker.push(enc.encode("ght"))), "sk-light");
});

Deno.test("StreamMasker finds values whose prefix overlaps itself (aab in aaab, abab in ababab)", () => {
  const cases: [string, string, string[]][] = [
    ["aab1", "aaab1", ["aa", "ab1"]],
    ["aab1", "aaab1", ["a", "a", "a", "b", "1"]],
    ["abab", "xabababx", ["xababa", "bx"]],
    ["abab", "ababab", ["a", "bab", "ab"]],
  ];
  for (const [secret, text, cuts] of cases) {
    assert.equal(cuts.join(""), text);
    const { out } = run([["S", secret]], cuts.map((c) => enc.encode(c)));
    assert.equal(out.length, text.length, `${secret} in ${cuts.join("|")}`);
    assert.ok(!includes(out, enc.encode(secret)), `${secret} in ${cuts.join("|")}`);
  }
});

Deno.test("StreamMasker masks several secrets, the longest first where they overlap", () => {
  const secrets: [string, string][] = [["SHORT", "tok-1234"], ["LONG", "tok-1234-5678-abcd"]];
  const text = enc.encode("a tok-1234-5678-abcd b tok-1234 c");
  for (let cut = 0; cut <= text.length; cut++) {
    const { out, hits } = run(secrets, [text.subarray(0, cut), text.subarray(cut)]);
    assert.equal(dec.decode(out), "a [secret:LONG]***** b ******** c", `cut ${cut}`);
    assert.deepEqual(hits.sort(), ["LONG", "SHORT"]);
  }
});

Deno.test("StreamMasker masks a shorter value held at the end as the start of a longer one", () => {
  const secrets: [string, string][] = [["SHORT", "tok-1234"], ["LONG", "tok-1234-5678-abcd"]];
  const { out, hits } = run(secrets, [enc.encode("end: tok-1234")]);
  assert.equal(dec.decode(out), "end: ********");
  assert.deepEqual(hits, ["SHORT"]);
});

Deno.test("StreamMasker works on binary data and non-ASCII values", () => {
  const secret = "k\u00e9y-\u00fc-\u4e2d\u6587-0000";
  const value = enc.encode(secret);
  const noise = new Uint8Array(300).map((_, i) => (i * 151 + 3) & 0xff);
  const text = new Uint8Array(noise.length * 2 + value.length);
  text.set(noise);
  text.set(value, noise.length);
  text.set(noise, noise.length + value.length);
  for (const size of [1, 3, 7, 64, 1000]) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
    const { out, hits } = run([["U", secret]], chunks);
    assert.equal(out.length, text.length);
    assert.ok(!includes(out, value), `chunks of ${size}`);
    assert.deepEqual(out.subarray(0, noise.length), noise);
    assert.deepEqual(out.subarray(noise.length + value.length), noise);
    assert.deepEqual(hits, ["U"]);
  }
});

Deno.test("StreamMasker with marker patterns writes «secret:NAME» (log files)", () => {
  const text = enc.encode(`key=${SECRET}\n`);
  const { out } = run([], [text.subarray(0, 9), text.subarray(9)], markerPatterns([["K", SECRET]]));
  assert.equal(dec.decode(out), "key=«secret:K»\n");
});

Deno.test("StreamMasker without patterns passes chunks through untouched", () => {
  const masker = new StreamMasker([]);
  const chunk = enc.encode("anything");
  assert.equal(masker.push(chunk), chunk);
  assert.equal(masker.end().length, 0);
});

Deno.test("maskText() masks header values, latin1 and UTF-8 alike", () => {
  const hits: string[] = [];
  const patterns = wirePatterns([["K", SECRET], ["U", "p\u00e4ss-\u4e2d\u6587"]]);
  assert.equal(
    maskText(`Bearer ${SECRET}`, patterns, (n) => hits.push(n)),
    "Bearer [secret:K]**************",
  );
  // As a latin1-decoded header value (one char per byte) and as a UTF-8-decoded one.
  const utf8 = enc.encode("p\u00e4ss-\u4e2d\u6587");
  const latin1 = String.fromCharCode(...utf8);
  assert.ok(!maskText(`v=${latin1}`, patterns).includes(latin1));
  assert.ok(!maskText("v=p\u00e4ss-\u4e2d\u6587", patterns).includes("p\u00e4ss-\u4e2d\u6587"));
  assert.deepEqual(hits, ["K"]);
});

Deno.test("maskCutValues() masks whole values and starts of values cut by truncation", () => {
  const patterns = wirePatterns([["K", SECRET]]);
  const hits: string[] = [];
  const cut = `Cannot parse header line "X-Echo: ${SECRET.slice(0, 12)}"`;
  assert.equal(
    maskCutValues(cut, patterns, (n) => hits.push(n)),
    `Cannot parse header line "X-Echo: ${"*".repeat(12)}"`,
  );
  assert.deepEqual(hits, ["K"]);
  assert.equal(maskCutValues(`a ${SECRET} b`, patterns), "a [secret:K]************** b");
  // Fewer than 8 characters of a value's start stay (they are common text).
  assert.equal(maskCutValues(`x "sk-live"`, patterns), `x "sk-live"`);
});
