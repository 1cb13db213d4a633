/**
 * Replaces secret values with `«secret:NAME»` wherever they appear in text or in the string
 * fields of an object, so no event, log line or error can carry one.
 */
export class Redactor {
  #secrets: { name: string; value: string }[] = [];

  /** Registers a secret; values shorter than 4 characters are refused (they would mask noise). */
  add(name: string, value: string): void {
    if (value.length < 4) {
      throw new RangeError(
        `Cannot protect secret "${name}": its value is shorter than 4 characters`,
      );
    }
    this.#secrets.push({ name, value });
    this.#secrets.sort((a, b) => b.value.length - a.value.length);
  }

  /** The registered secrets as name → value pairs (to build a streaming masker for logs). */
  entries(): [name: string, value: string][] {
    return this.#secrets.map(({ name, value }) => [name, value]);
  }

  /** The text with every registered secret value masked. */
  text(input: string): string {
    let output = input;
    for (const { name, value } of this.#secrets) {
      if (output.includes(value)) output = output.split(value).join(`«secret:${name}»`);
    }
    return output;
  }

  /** A deep copy of `value` with every string masked. */
  value<T>(value: T): T {
    if (this.#secrets.length === 0) return value;
    return this.#walk(value) as T;
  }

  #walk(value: unknown): unknown {
    if (typeof value === "string") return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.#walk(item));
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[this.text(key)] = this.#walk(item);
      return out;
    }
    return value;
  }
}
