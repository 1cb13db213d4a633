/** What a fuzz target is, and the helpers its contract checks use. */

/** A broken contract: the parser did something its documentation rules out. */
export class ContractError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ContractError";
  }
}

/** Checks inputs against one parser's contract; `close` frees what `open` started. */
export interface Checker {
  /** Resolves when `input` kept the contract; throws (or rejects) with why it did not. */
  check(input: Uint8Array): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** One fuzz target: tests/fuzz/targets/NAME.ts exports it as `target`. */
export interface FuzzTarget {
  /** Tokens of the input format that mutations insert whole. */
  dictionary: readonly string[];
  /** Longest input tried. */
  maxLength: number;
  /**
   * Write each input to a file before checking it, so that a crash of the runtime itself
   * (a segfault in Deno's HTTP/2 or TLS code) still names its input. For slow targets only.
   * @default false
   */
  persistInputs?: boolean;
  /** Starts what the checks need (servers for the h2 target; nothing for pure parsers). */
  open(): Checker | Promise<Checker>;
}

/** Fails with `message` unless `ok`. */
export function ensure(ok: boolean, message: string): asserts ok {
  if (!ok) throw new ContractError(message);
}

/**
 * Runs `parse`: its value, or undefined when it threw an `allowed` error; any other exception
 * breaks the contract.
 */
export function parsesOrThrows<T>(
  what: string,
  parse: () => T,
  // deno-lint-ignore no-explicit-any
  allowed: new (...args: any[]) => Error,
): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (error instanceof allowed) return undefined;
    const shown = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ContractError(`${what} threw ${shown} instead of ${allowed.name}`, { cause: error });
  }
}

/** Fails unless `a` and `b` have the same JSON form (round-trip checks). */
export function ensureSame(what: string, a: unknown, b: unknown): void {
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  ensure(ja === jb, `${what}: ${ja.slice(0, 300)} became ${jb.slice(0, 300)}`);
}

/** Fails when a parse result is out of proportion to its input (unbounded allocation). */
export function ensureBounded(what: string, value: unknown, inputLength: number): void {
  const size = JSON.stringify(value)?.length ?? 0;
  ensure(
    size <= 8 * inputLength + 1024,
    `${what}: a ${inputLength}-byte input gave a ${size}-character result`,
  );
}
