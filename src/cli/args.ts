import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors.ts";
import { suggest } from "../text/mod.ts";

/** Options accepted by `parseArgs`, keyed by long flag name. */
export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

/** Options for {@linkcode parseFlags}. */
export interface ParseFlagsOptions {
  /** Stop at the first positional and keep the rest verbatim (for `run -- CMD ...`). @default false */
  stopAtPositional?: boolean;
  /** Accept positionals. @default true */
  allowPositionals?: boolean;
}

/** Result of {@linkcode parseFlags}. */
export interface ParsedFlags {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/**
 * Parses `args` against `spec` with node:util parseArgs, turning its errors into a
 * {@linkcode UsageError} for `command` that suggests the closest known flag.
 */
export function parseFlags(
  command: string,
  args: string[],
  spec: FlagSpec,
  options: ParseFlagsOptions = {},
): ParsedFlags {
  const fullSpec: FlagSpec = { help: { type: "boolean", short: "h" }, ...spec };
  let input = args;
  let rest: string[] = [];
  if (options.stopAtPositional) {
    const split = splitAtPositional(args, fullSpec);
    input = split.flags;
    rest = split.rest;
  }
  try {
    const { values, positionals } = parseArgs({
      args: input,
      options: fullSpec,
      allowPositionals: options.allowPositionals ?? true,
      strict: true,
    });
    return { values, positionals: [...positionals, ...rest] };
  } catch (error) {
    throw new UsageError(describeParseError(error, fullSpec), command, { cause: undefined });
  }
}

function splitAtPositional(args: string[], spec: FlagSpec): { flags: string[]; rest: string[] } {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") return { flags: args.slice(0, i), rest: args.slice(i + 1) };
    if (!arg.startsWith("-") || arg === "-") {
      return { flags: args.slice(0, i), rest: args.slice(i) };
    }
    if (arg.includes("=")) continue;
    const takesValue = arg.startsWith("--")
      ? spec[arg.slice(2)]?.type === "string"
      : Object.values(spec).some((o) => o.short === arg.slice(1) && o.type === "string");
    if (takesValue) i++;
  }
  return { flags: args, rest: [] };
}

function describeParseError(error: unknown, spec: FlagSpec): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const flag = /'(-{1,2}[^'\s=]+)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) {
    const known = Object.keys(spec).map((name) => `--${name}`);
    const hint = suggest(flag, known);
    return `Unknown flag "${flag}"${hint ? `: did you mean "${hint}"?` : ""}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) {
    const name = flag.replace(/^-+/, "");
    const option = spec[name] ?? Object.values(spec).find((o) => o.short === name);
    return option?.type === "string"
      ? `Flag "${flag}" needs a value: write ${flag} VALUE`
      : `Flag "${flag}" takes no value`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    return `Unexpected argument: ${message.replace(/^Unexpected argument '([^']*)'.*$/s, '"$1"')}`;
  }
  return message;
}

/** Reads a string flag, or undefined when absent. */
export function stringFlag(flags: ParsedFlags, name: string): string | undefined {
  const value = flags.values[name];
  return typeof value === "string" ? value : undefined;
}

/** Reads a repeatable string flag as a list. */
export function listFlag(flags: ParsedFlags, name: string): string[] {
  const value = flags.values[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return typeof value === "string" ? [value] : [];
}

/** Reads a boolean flag. */
export function boolFlag(flags: ParsedFlags, name: string): boolean {
  return flags.values[name] === true;
}
