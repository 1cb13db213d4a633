import { describeSource, parseSecretSpec, type SecretSource } from "./spec.ts";
import {
  type CommandResult,
  DEFAULT_CMD_TIMEOUT_MS,
  redactedDetail,
  runSecretCommand,
} from "./command.ts";
import { ANY_MODE_ENV, LooseSecretFileError, readSecretFile } from "./file.ts";
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

export type { CommandResult } from "./command.ts";

/** Options for {@linkcode resolveSecrets}; the host side effects, replaceable in tests. */
export interface ResolveSecretsOptions {
  /** Reads an environment variable. @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /**
   * Reads a secret file as text. @default readSecretFile (refuses files group or others may
   * read unless `LEASH_SECRET_FILE_ANY_MODE=1`)
   */
  readFile?: (path: string) => Promise<string>;
  /**
   * Runs a command with `sh -c` on the host, killed after `timeoutMs`.
   * @default runSecretCommand
   */
  run?: (command: string, timeoutMs: number) => Promise<CommandResult>;
  /** How long a `cmd:` source may run. @default `LEASH_SECRET_CMD_TIMEOUT` seconds, else 30 s */
  cmdTimeoutMs?: number;
  /** Every value is registered here as soon as it is read. @default none */
  redactor?: Redactor;
  /**
   * Secrets made from a resolved one with a prefix, e.g. `Authorization`'s `Bearer KEY`
   * (`{ name: "K_HEADER", from: "K", prefix: "Bearer " }`). @default none
   */
  derived?: readonly { name: string; from: string; prefix: string }[];
}

/** Shortest value accepted: shorter ones could not be masked reliably. */
export const MIN_SECRET_LENGTH = 4;

function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, "");
}

/** `LEASH_SECRET_CMD_TIMEOUT` (seconds) in ms; throws `RangeError` for a bad value. */
function cmdTimeout(options: ResolveSecretsOptions, env: (name: string) => string | undefined) {
  if (options.cmdTimeoutMs !== undefined) return options.cmdTimeoutMs;
  const text = env("LEASH_SECRET_CMD_TIMEOUT");
  if (text === undefined || text === "") return DEFAULT_CMD_TIMEOUT_MS;
  const seconds = Number(text);
  if (!(seconds > 0 && seconds <= 3600)) {
    throw new RangeError(
      `Invalid LEASH_SECRET_CMD_TIMEOUT "${text}": give seconds between 0 and 3600`,
    );
  }
  return seconds * 1000;
}

async function readSource(
  name: string,
  source: SecretSource,
  options: ResolveSecretsOptions,
  known: readonly string[],
): Promise<string> {
  const where = `secret "${name}" from "${describeSource(source)}"`;
  const env = options.env ?? ((v) => Deno.env.get(v));
  switch (source.kind) {
    case "env": {
      const value = env(source.variable);
      if (value === undefined) {
        throw new SecretError(`Cannot read ${where}: the variable is not set`);
      }
      return value;
    }
    case "file": {
      try {
        const anyMode = env(ANY_MODE_ENV) === "1";
        const read = options.readFile ?? ((path) => readSecretFile(path, anyMode));
        return stripNewline(await read(source.path));
      } catch (error) {
        const reason = error instanceof LooseSecretFileError
          ? error.message
          : error instanceof Error
          ? error.name
          : "read failed";
        throw new SecretError(`Cannot read ${where}: ${reason}`, { cause: error });
      }
    }
    case "cmd": {
      let result: CommandResult;
      const timeoutMs = cmdTimeout(options, env);
      try {
        result = await (options.run ?? runSecretCommand)(source.command, timeoutMs);
      } catch (error) {
        throw new SecretError(`Cannot run the command of ${where}`, { cause: error });
      }
      if (result.timedOut) {
        throw new SecretError(
          `Cannot read ${where}: the command did not finish within ${
            timeoutMs / 1000
          } s and was killed; fix it, or raise LEASH_SECRET_CMD_TIMEOUT (seconds)`,
        );
      }
      if (result.code !== 0) {
        const detail = redactedDetail(result.stderr, [...known, result.stdout.trim()]);
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
    const value = await readSource(spec.name, spec.source, options, [...values.values()]);
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
  for (const { name, from, prefix } of options.derived ?? []) {
    const value = values.get(from);
    if (value === undefined) {
      throw new TypeError(`Cannot derive secret "${name}": secret "${from}" is not given`);
    }
    if (values.has(name)) throw new TypeError(`Cannot use secret "${name}": it is given twice`);
    options.redactor?.add(name, prefix + value);
    values.set(name, prefix + value);
  }
  return new SecretStore(values);
}
