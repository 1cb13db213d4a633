/** Prints a line for the person running the tests (skip reasons, measurements) on stderr. */
export function note(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}
