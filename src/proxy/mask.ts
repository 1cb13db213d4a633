/**
 * A streaming matcher that masks secret values in a byte stream (the mask stage of
 * DESIGN.md §5, and the session's log files). A value split across chunks is still found: the
 * matcher holds back the end of a chunk only while it is the beginning of some value (at most
 * the longest value's length − 1 bytes, usually none), so streams stay as live as they were.
 */
import { Buffer } from "node:buffer";

/** One value to mask and what replaces it. */
export interface MaskPattern {
  /** The secret's name, reported on each hit. */
  name: string;
  /** The bytes to find (at least one byte). */
  value: Uint8Array;
  /** The bytes written instead. */
  replacement: Uint8Array;
}

const encoder = new TextEncoder();

/**
 * The wire replacement for a value of `length` bytes: `[secret:NAME]` padded with `*` to that
 * length, or `*` × length when the marker does not fit. ASCII, so it is valid in any header
 * and keeps Content-Length, chunk sizes and frame lengths.
 */
export function sameLengthMark(name: string, length: number): Uint8Array {
  const marker = encoder.encode(`[secret:${name}]`);
  const out = new Uint8Array(length).fill(0x2a);
  if (marker.length <= length) out.set(marker);
  return out;
}

/** Patterns for `secrets` (name → value) replaced by {@linkcode sameLengthMark}. */
export function wirePatterns(secrets: Iterable<readonly [string, string]>): MaskPattern[] {
  const patterns: MaskPattern[] = [];
  for (const [name, text] of secrets) {
    const value = encoder.encode(text);
    if (value.length > 0) {
      patterns.push({ name, value, replacement: sameLengthMark(name, value.length) });
    }
  }
  return patterns;
}

/** Patterns for `secrets` replaced by the full `«secret:NAME»` marker (log files). */
export function markerPatterns(secrets: Iterable<readonly [string, string]>): MaskPattern[] {
  const patterns: MaskPattern[] = [];
  for (const [name, text] of secrets) {
    const value = encoder.encode(text);
    if (value.length > 0) {
      patterns.push({ name, value, replacement: encoder.encode(`«secret:${name}»`) });
    }
  }
  return patterns;
}

interface Match {
  start: number;
  end: number;
  pattern: MaskPattern;
}

/**
 * A multi-pattern Horspool search over the patterns' first `m` bytes (m = the shortest value's
 * length): one pass over a chunk that skips up to m bytes at a time, so scanning every response
 * costs little (node's Buffer.indexOf under Deno is a JS loop per pattern, much slower).
 */
class Searcher {
  readonly #m: number;
  readonly #shift = new Uint8Array(256);
  /** Patterns by the byte at index m-1 of their value. */
  readonly #byLast = new Map<number, MaskPattern[]>();

  constructor(patterns: readonly MaskPattern[]) {
    const m = Math.min(255, ...patterns.map((p) => p.value.length));
    this.#m = m;
    this.#shift.fill(m);
    for (const p of patterns) {
      for (let j = 0; j < m - 1; j++) {
        this.#shift[p.value[j]!] = Math.min(this.#shift[p.value[j]!]!, m - 1 - j);
      }
      const last = p.value[m - 1]!;
      const list = this.#byLast.get(last) ?? [];
      list.push(p);
      this.#byLast.set(last, list);
    }
  }

  /** Every occurrence (overlapping ones too) that starts before `cut`. */
  find(bytes: Uint8Array, cut: number): Match[] {
    const found: Match[] = [];
    const m = this.#m;
    const n = bytes.length;
    const shift = this.#shift;
    for (let pos = 0; pos < cut && pos + m <= n;) {
      const c = bytes[pos + m - 1]!;
      const candidates = this.#byLast.get(c);
      if (candidates) {
        for (const p of candidates) {
          const v = p.value;
          if (pos + v.length > n) continue;
          let j = 0;
          while (j < v.length && bytes[pos + j] === v[j]) j++;
          if (j === v.length) found.push({ start: pos, end: pos + v.length, pattern: p });
        }
      }
      pos += shift[c]!;
    }
    return found;
  }
}

const searchers = new WeakMap<readonly MaskPattern[], Searcher>();

function searcherFor(patterns: readonly MaskPattern[]): Searcher {
  let s = searchers.get(patterns);
  if (!s) {
    s = new Searcher(patterns);
    searchers.set(patterns, s);
  }
  return s;
}

/**
 * Masks the occurrences of the patterns' values in `bytes` that start before `cut`;
 * overlapping occurrences go to the longest value. Returns the masked bytes of
 * `bytes[0..end)`, where `end` is `cut` or the end of a match that runs past it.
 */
function maskUpTo(
  bytes: Uint8Array,
  cut: number,
  patterns: readonly MaskPattern[],
  onHit: (name: string) => void,
): { out: Uint8Array; end: number } {
  const candidates = searcherFor(patterns).find(bytes, cut);
  const matches: Match[] = [];
  candidates.sort((a, b) => (b.end - b.start) - (a.end - a.start) || a.start - b.start);
  for (const c of candidates) {
    if (!matches.some((m) => c.start < m.end && c.end > m.start)) matches.push(c);
  }
  const end = matches.reduce((e, m) => Math.max(e, m.end), cut);
  if (matches.length === 0) return { out: bytes.subarray(0, end), end };
  matches.sort((a, b) => a.start - b.start);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const m of matches) {
    onHit(m.pattern.name);
    parts.push(bytes.subarray(from, m.start), m.pattern.replacement);
    from = m.end;
  }
  parts.push(bytes.subarray(from, end));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return { out, end };
}

/** The length of the longest suffix of `bytes` that is a proper prefix of a value. */
function heldSuffix(bytes: Uint8Array, patterns: readonly MaskPattern[]): number {
  let best = 0;
  const n = bytes.length;
  for (const { value } of patterns) {
    const longest = Math.min(value.length - 1, n);
    for (let k = longest; k > best; k--) {
      const start = n - k;
      if (bytes[start] !== value[0]) continue;
      let equal = true;
      for (let j = 1; j < k; j++) {
        if (bytes[start + j] !== value[j]) {
          equal = false;
          break;
        }
      }
      if (equal) {
        best = k;
        break;
      }
    }
  }
  return best;
}

/**
 * Masks secret values in a stream of byte chunks: `push` each chunk and forward what it
 * returns, then forward what `end` returns. Replacements are the patterns' own bytes, so the
 * stream keeps its length when every replacement is as long as its value.
 */
export class StreamMasker {
  readonly #patterns: readonly MaskPattern[];
  readonly #onHit: (name: string) => void;
  #held: Uint8Array = new Uint8Array(0);

  /** Creates a masker for `patterns`; `onHit` hears the name of each occurrence masked. */
  constructor(patterns: readonly MaskPattern[], onHit: (name: string) => void = () => {}) {
    this.#patterns = patterns;
    this.#onHit = onHit;
  }

  /** Bytes held back because they may begin a value split across chunks. */
  get held(): number {
    return this.#held.length;
  }

  /** Masks `chunk` after what was held back; returns the bytes that are safe to forward. */
  push(chunk: Uint8Array): Uint8Array {
    if (this.#patterns.length === 0) return chunk;
    let input = chunk;
    if (this.#held.length > 0) {
      input = new Uint8Array(this.#held.length + chunk.length);
      input.set(this.#held);
      input.set(chunk, this.#held.length);
    }
    // The tail that may begin a value waits for the next chunk; so does an occurrence of a
    // shorter value that starts there (it may be the start of a longer one).
    const cut = input.length - heldSuffix(input, this.#patterns);
    const { out, end } = maskUpTo(input, cut, this.#patterns, this.#onHit);
    // A copy: the caller may reuse its chunk's memory once this returns.
    this.#held = end < input.length ? input.slice(end) : new Uint8Array(0);
    return out;
  }

  /** The bytes still held back, masked (the stream ended: nothing longer can follow). */
  end(): Uint8Array {
    const rest = this.#held;
    this.#held = new Uint8Array(0);
    return maskUpTo(rest, rest.length, this.#patterns, this.#onHit).out;
  }
}

/** Masks one complete text (a header value): every value replaced, no state kept. */
export function maskText(
  text: string,
  patterns: readonly MaskPattern[],
  onHit: (name: string) => void = () => {},
): string {
  if (patterns.length === 0) return text;
  if ([...text].some((c) => c.charCodeAt(0) > 0xff)) {
    // A value decoded as UTF-8 (node:http2 may): match the values as text.
    let result = text;
    const longestFirst = [...patterns].sort((a, b) => b.value.length - a.value.length);
    for (const p of longestFirst) {
      const value = new TextDecoder().decode(p.value);
      if (!result.includes(value)) continue;
      result = result.split(value).join(new TextDecoder().decode(p.replacement));
      onHit(p.name);
    }
    return result;
  }
  // Header values are latin1 on the wire (one char per byte): match the values' bytes.
  const bytes = Buffer.from(text, "latin1");
  const { out } = maskUpTo(bytes, bytes.length, patterns, onHit);
  return out.buffer === bytes.buffer ? text : Buffer.from(out).toString("latin1");
}

/** Shortest start of a value that {@linkcode maskCutValues} masks. */
export const CUT_PREFIX_MIN = 8;

/**
 * Masks `text` like {@linkcode maskText}, and also the start of a value cut short where a
 * message truncated what it quotes (`Cannot parse header line "X-Echo: sk-li…"`): any run of
 * at least {@linkcode CUT_PREFIX_MIN} characters that begins a value becomes `*`. For error
 * messages only; ordinary data would lose too much.
 */
export function maskCutValues(
  text: string,
  patterns: readonly MaskPattern[],
  onHit: (name: string) => void = () => {},
): string {
  let out = maskText(text, patterns, onHit);
  for (const p of patterns) {
    const value = new TextDecoder().decode(p.value);
    for (let k = value.length - 1; k >= Math.min(CUT_PREFIX_MIN, value.length - 1); k--) {
      const start = value.slice(0, k);
      if (k < 1 || !out.includes(start)) continue;
      out = out.split(start).join("*".repeat(k));
      onHit(p.name);
      break;
    }
  }
  return out;
}
