import type { Redactor } from "../events/mod.ts";

/**
 * The session's resolved secrets. Values are readable only through `reveal` (the proxy's
 * header injection); everything else sees names.
 */
export class SecretStore {
  readonly #values: Map<string, string>;

  /** Creates a store over name → value pairs. */
  constructor(entries: Iterable<readonly [string, string]> = []) {
    this.#values = new Map(entries);
  }

  /** The secret names, sorted. */
  get names(): string[] {
    return [...this.#values.keys()].sort();
  }

  /** Whether a secret called `name` exists. */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** The value of secret `name`, or undefined; only for injecting it where policy allows. */
  reveal(name: string): string | undefined {
    return this.#values.get(name);
  }

  /** Registers every value with `redactor`, so events, logs and errors show `«secret:NAME»`. */
  protect(redactor: Redactor): void {
    for (const [name, value] of this.#values) redactor.add(name, value);
  }

  /** Never shows values when logged or serialised. */
  toJSON(): { secrets: string[] } {
    return { secrets: this.names };
  }

  /** Never shows values when inspected. */
  [Symbol.for("Deno.customInspect")](): string {
    return `SecretStore(${this.names.join(", ")})`;
  }
}
