/**
 * Mutations of a corpus input, in the style of libFuzzer's: bit flips, interesting bytes,
 * length edits (cut, insert, duplicate), splices with another input and dictionary tokens.
 */
import type { Prng } from "./_prng.ts";

/** Values that often sit on a parser's boundaries. */
const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x0a, 0x0d, 0x20, 0x3a, 0x7f, 0x80, 0xc0, 0xff];

/** What a mutation may draw on besides the input itself. */
export interface MutationSources {
  /** The whole corpus (splices take a piece of another input). */
  corpus: readonly Uint8Array[];
  /** Tokens of the target's format, inserted or overwritten whole. */
  dictionary: readonly Uint8Array[];
  /** Longest input produced. */
  maxLength: number;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One mutation of `input` (a new array; `input` is not changed). */
function mutateOnce(rng: Prng, input: Uint8Array, sources: MutationSources): Uint8Array {
  const out = input.slice();
  const at = rng.below(out.length + 1);
  switch (rng.below(10)) {
    case 0: // flip one bit
      if (out.length) out[rng.below(out.length)]! ^= 1 << rng.below(8);
      return out;
    case 1: // a random byte
      if (out.length) out[rng.below(out.length)] = rng.below(256);
      return out;
    case 2: // an interesting byte
      if (out.length) out[rng.below(out.length)] = rng.pick(INTERESTING);
      return out;
    case 3: { // a 16-bit big-endian length field nudged (lengths are where parsers go wrong)
      if (out.length < 2) return out;
      const p = rng.below(out.length - 1);
      const v = ((out[p]! << 8) | out[p + 1]!) + rng.pick([-2, -1, 1, 2, 0x100, 0x7fff, 0x8000]);
      out[p] = (v >> 8) & 0xff;
      out[p + 1] = v & 0xff;
      return out;
    }
    case 4: // cut a range
      return concat(out.subarray(0, at), out.subarray(at + 1 + rng.below(16)));
    case 5: // truncate
      return out.subarray(0, at);
    case 6: { // duplicate a range in place
      const n = 1 + rng.below(32);
      return concat(out.subarray(0, at + n), out.subarray(at, at + n), out.subarray(at + n));
    }
    case 7: { // splice with another corpus input
      const other = rng.pick(sources.corpus);
      const from = rng.below(other.length + 1);
      return concat(out.subarray(0, at), other.subarray(from, from + 1 + rng.below(64)));
    }
    case 8: { // insert a dictionary token
      if (!sources.dictionary.length) return out;
      return concat(out.subarray(0, at), rng.pick(sources.dictionary), out.subarray(at));
    }
    default: { // overwrite with a dictionary token
      if (!sources.dictionary.length) return out;
      const token = rng.pick(sources.dictionary);
      return concat(out.subarray(0, at), token, out.subarray(at + token.length));
    }
  }
}

/** 1 to 8 stacked mutations of `input`, cut to `sources.maxLength`. */
export function mutate(rng: Prng, input: Uint8Array, sources: MutationSources): Uint8Array {
  let out = input;
  for (let i = 1 + rng.below(8); i > 0; i--) out = mutateOnce(rng, out, sources);
  return out.length > sources.maxLength ? out.slice(0, sources.maxLength) : out;
}
