/** A mistake in how the command line was written; exits 2 and shows the usage line. */
export class UsageError extends Error {
  override name = "UsageError";
  /** The command whose usage line is shown with the error ("" for the top level). */
  readonly command: string;

  constructor(message: string, command = "", options?: ErrorOptions) {
    super(message, options);
    this.command = command;
  }
}

/**
 * Renders an error as `error: message` followed by its `Caused by:` chain.
 * Stack traces are never shown for expected errors; `LEASH_DEBUG=1` shows them.
 */
export function formatError(error: unknown, debug = false): string {
  const lines = [`error: ${messageOf(error)}`];
  const seen = new Set<unknown>([error]);
  let cause = causeOf(error);
  if (cause !== undefined) lines.push("", "Caused by:");
  let depth = 0;
  while (cause !== undefined && !seen.has(cause)) {
    seen.add(cause);
    lines.push(`    ${depth}: ${messageOf(cause)}`);
    cause = causeOf(cause);
    depth++;
  }
  if (debug && error instanceof Error && error.stack) lines.push("", error.stack);
  return lines.join("\n");
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}
