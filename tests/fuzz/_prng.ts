import { Rng } from "../../src/policy/request_gen.ts";

/**
 * A small seeded PRNG (the policy generator's mulberry32 {@linkcode Rng}): the same seed gives the
 * same fuzz inputs on every machine.
 */
export class Prng {
  #rng: Rng;

  /** Creates a generator from a 32-bit seed. */
  constructor(seed: number) {
    this.#rng = new Rng(seed);
  }

  /** The next 32-bit unsigned value (exact: Rng's float is that value over 2^32). */
  next(): number {
    return this.#rng.next() * 4294967296;
  }

  /** An integer in [0, n) (0 when n <= 0). */
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }

  /** True with probability 1/n. */
  oneIn(n: number): boolean {
    return this.below(n) === 0;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}
