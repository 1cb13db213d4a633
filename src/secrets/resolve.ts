import { describeSource, parseSecretSpec, type SecretSource } from "./spec.ts";
import { SecretStore } from "./store.ts";
import type { Redactor } from "../events/mod.ts";

/** A secret that could not be resolved; the message names the secret and source, never a value. */
export class SecretError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SecretError";
  }
}

/** What a `cmd:` source's process produced. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@linkcode resolveSecrets}; the host side effects, replaceable in tests. */
export interface ResolveSecretsOptions {
  /** Reads an environment variable. @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** Reads a file as text. @default Deno.readTextFile */
  readFile?: (path: string) => Promise<string>;
  /** Runs a command with `sh -c` on the host. @default a Deno.Command runner */
  run?: (command: string) => Promise<CommandResult>;
  /** Every value is registered here as soon as it is read. @default none */
  redactor?: Redactor;
}

/** Shortest value accepted: shorter ones could not be masked reliably. */
export const MIN_SECRET_LENGTH = 4;

async function runSh(command: string): Promise<CommandResult> {
  const out = await new Deno.Command("sh", {
    args: ["-c", command],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, "");
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  const line = (lines[lines.length - 1] ?? "").trim();
  return line.length > 200 ? line.slice(0, 200) + "…" : line;
}

async function readSource(
  name: string,
  source: SecretSource,
  options: ResolveSecretsOptions,
): Promise<string> {
  const where = `secret "${name}" from "${describeSource(source)}"`;
  switch (source.kind) {
    case "env": {
      const value = (options.env ?? ((v) => Deno.env.get(v)))(source.variable);
      if (value === undefined) {
        throw new SecretError(`Cannot read ${where}: the variable is not set`);
      }
      return value;
    }
    case "file": {
      try {
        return stripNewline(await (options.readFile ?? Deno.readTextFile)(source.path));
      } catch (error) {
        const reason = error instanceof Error ? error.name : "read failed";
        throw new SecretError(`Cannot read ${where}: ${reason}`, { cause: error });
      }
    }
    case "cmd": {
      let result: CommandResult;
      try {
        result = await (options.run ?? runSh)(source.command);
      } catch (error) {
        throw new SecretError(`Cannot run the command of ${where}`, { cause: error });
      }
      if (result.code !== 0) {
        const detail = lastLine(result.stderr);
        throw new SecretError(
          `Cannot read ${where}: the command exited with ${result.code}` +
            (detail === "" ? "" : ` (${detail})`),
        );
      }
      return stripNewline(result.stdout);
    }
  }
}

/**
 * Resolves `--secret NAME=SOURCE` specs on the host, in order. Errors name the secret and
 * its source (a `cmd:` source only as "cmd:…") and never contain a value; empty values,
 * values shorter than {@linkcode MIN_SECRET_LENGTH} and duplicate names are refused.
 */
export async function resolveSecrets(
  specs: string[],
  options: ResolveSecretsOptions = {},
): Promise<SecretStore> {
  const values = new Map<string, string>();
  for (const text of specs) {
    const spec = parseSecretSpec(text);
    if (values.has(spec.name)) {
      throw new TypeError(`Cannot use secret "${spec.name}": it is given twice`);
    }
    const value = await readSource(spec.name, spec.source, options);
    const where = `secret "${spec.name}" from "${describeSource(spec.source)}"`;
    if (value === "") throw new SecretError(`Cannot use ${where}: the value is empty`);
    if (value.length < MIN_SECRET_LENGTH) {
      throw new SecretError(
        `Cannot use ${where}: the value is shorter than ${MIN_SECRET_LENGTH} characters`,
      );
    }
    if (/[\r\n\0]/.test(value)) {
      throw new SecretError(`Cannot use ${where}: the value contains a line break or NUL`);
    }
    options.redactor?.add(spec.name, value);
    values.set(spec.name, value);
  }
  return new SecretStore(values);
}
