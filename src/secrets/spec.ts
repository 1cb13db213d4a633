/** `--secret NAME=SOURCE` specs: `env:VAR`, `file:PATH`, `cmd:COMMAND`. */

/** Where a secret's value comes from. */
export type SecretSource =
  | { kind: "env"; variable: string }
  | { kind: "file"; path: string }
  | { kind: "cmd"; command: string };

/** A parsed `NAME=SOURCE` spec. */
export interface SecretSpec {
  name: string;
  source: SecretSource;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The source as written in a spec (`env:VAR`, `file:PATH`, `cmd:...`), for messages. */
export function describeSource(source: SecretSource): string {
  switch (source.kind) {
    case "env":
      return `env:${source.variable}`;
    case "file":
      return `file:${source.path}`;
    case "cmd":
      return "cmd:…";
  }
}

/** Parses `NAME=SOURCE`; throws TypeError naming the spec's name (never its source text for cmd). */
export function parseSecretSpec(text: string): SecretSpec {
  const eq = text.indexOf("=");
  const name = eq < 0 ? text : text.slice(0, eq);
  if (eq < 0) {
    throw new TypeError(
      `Cannot use secret "${name}": write NAME=env:VAR, NAME=file:PATH or NAME=cmd:COMMAND`,
    );
  }
  if (!NAME_RE.test(name)) {
    throw new TypeError(
      `Cannot use secret "${name}": a name is letters, digits and "_", not starting with a digit`,
    );
  }
  const rest = text.slice(eq + 1);
  const colon = rest.indexOf(":");
  const kind = colon < 0 ? "" : rest.slice(0, colon);
  const arg = colon < 0 ? "" : rest.slice(colon + 1);
  if (kind === "env" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(arg)) {
    return { name, source: { kind, variable: arg } };
  }
  if (kind === "file" && arg !== "") return { name, source: { kind, path: arg } };
  if (kind === "cmd" && arg.trim() !== "") return { name, source: { kind, command: arg } };
  throw new TypeError(
    `Cannot use secret "${name}": the source must be env:VAR, file:PATH or cmd:COMMAND`,
  );
}
