import * as cedar from "cedar-wasm";
import { boolFlag, parseFlags, stringFlag } from "./args.ts";
import { type Command, commandHelp, showHelp } from "./command.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";
import { suggest } from "../text/mod.ts";
import {
  type ActionName,
  ACTIONS,
  cedarDecide,
  compilePolicy,
  decide,
  explainIr,
  formatDiagnostic,
  parseRequestResource,
  policiesById,
  PolicyError,
  type PolicyIr,
  readPolicyFile,
} from "../policy/mod.ts";
import { leashDirs, trustPolicy } from "../session/mod.ts";

interface Subcommand {
  name: string;
  summary: string;
  usage: string;
  help: string;
  run(args: string[], ctx: CliContext): Promise<number>;
}

/** Compiles `file`, printing warnings; on PolicyError prints every problem and returns undefined. */
async function compileFile(
  file: string,
  ctx: CliContext,
): Promise<{ ir: PolicyIr; text: string } | undefined> {
  try {
    const text = await readPolicyFile(file);
    const { ir, warnings } = compilePolicy(text, { file });
    for (const w of warnings) await ctx.err(formatDiagnostic(w) + "\n");
    return { ir, text };
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    for (const d of error.diagnostics) await ctx.err(formatDiagnostic(d) + "\n");
    const errors = error.diagnostics.filter((d) => d.severity === "error").length;
    await ctx.err(`error: ${errors} ${errors === 1 ? "problem" : "problems"} in "${file}"\n`);
    return undefined;
  }
}

function oneFile(sub: Subcommand, positionals: string[], count = 1): string[] {
  if (positionals.length !== count) {
    throw new UsageError(
      positionals.length < count
        ? `Missing argument: ${sub.usage.replace(/^leash policy \w+ /, "")}`
        : `Unexpected argument "${positionals[count]}"`,
      `policy ${sub.name}`,
    );
  }
  return positionals;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

const check: Subcommand = {
  name: "check",
  summary: "Validate a policy and summarise its rules per layer",
  usage: "leash policy check FILE",
  help:
    "Exits 0 and prints a summary, or exits 1 listing every problem as FILE:LINE:COL: message.\nWarnings go to stderr with their locations.\n",
  async run(args, ctx) {
    const flags = parseFlags("policy check", args, {});
    if (flags.values.help) return await showSub(this, ctx);
    const [file = ""] = oneFile(this, flags.positionals);
    const compiled = await compileFile(file, ctx);
    if (!compiled) return 1;
    const { ir } = compiled;
    const permits = ir.rules.filter((r) => r.effect === "permit").length;
    const ll = ir.landlock;
    const lines = [
      `${file}: ok, ${plural(ir.rules.length, "rule")} (${permits} permit, ${
        ir.rules.length - permits
      } forbid)`,
      `  kernel file/exec  ${
        plural(ir.file.entries.length, "path entry").replace("entrys", "entries")
      }`,
      `  kernel connect    ${
        plural(ir.connect.entries.length, "IP prefix").replace("prefixs", "prefixes")
      }`,
      `  landlock          read ${ll.read.allow.length}, write ${ll.write.allow.length}, exec ${ll.exec.allow.length} allowed roots; ${
        plural(ll.read.carve.length + ll.write.carve.length + ll.exec.carve.length, "carve-out")
      }`,
      `  proxy             ${plural(ir.proxy.hosts.length, "host rule")}, ${
        plural(ir.proxy.http.length, "HTTP rule")
      }`,
      `  rewrites          ${ir.rewrites.length}`,
      `  mcp               ${plural(ir.mcp.length, "rule")}`,
      `  dns allow-list    ${ir.dns.allow.length === 0 ? "none" : ir.dns.allow.join(", ")}`,
    ];
    await ctx.out(lines.join("\n") + "\n");
    return 0;
  },
};

const explain: Subcommand = {
  name: "explain",
  summary: "Print the compiled rules per enforcement layer",
  usage: "leash policy explain FILE [--json]",
  help: "Flags:\n  --json  Print the IR itself (versioned JSON)\n",
  async run(args, ctx) {
    const flags = parseFlags("policy explain", args, { json: { type: "boolean" } });
    if (flags.values.help) return await showSub(this, ctx);
    const [file = ""] = oneFile(this, flags.positionals);
    const compiled = await compileFile(file, ctx);
    if (!compiled) return 1;
    if (boolFlag(flags, "json")) await ctx.out(JSON.stringify(compiled.ir, null, 2) + "\n");
    else await ctx.out(explainIr(compiled.ir));
    return 0;
  },
};

function parseContext(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`Cannot parse --context: not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(
      'Cannot use --context: write a JSON object such as {"method":"GET","path":"/"}',
    );
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") throw new TypeError(`Cannot use --context: "${k}" must be a string`);
  }
  return value as Record<string, string>;
}

const evaluate: Subcommand = {
  name: "eval",
  summary: "Answer one request as a session would",
  usage: "leash policy eval FILE ACTION RESOURCE [--context JSON] [--json]",
  help: [
    "ACTION is a Cedar action: FileOpen (read and write), FileOpenReadOnly, FileOpenReadWrite,",
    "ProcessExec, NetworkConnect, HttpRequest, HttpRewrite, McpCall.",
    "RESOURCE is an absolute path, a host[:port] (IPv6 as [addr]:port), or SERVER/TOOL for McpCall.",
    "",
    "Prints allow or deny, the deciding rule ids and the layer that enforces it; exits 0 either",
    "way and 1 only for bad input. The answer is cross-checked with cedar-wasm.",
    "",
    "Flags:",
    '  --context JSON  Request context, e.g. {"method":"GET","path":"/v1/models"} for HttpRequest',
    "  --json          Print the answer as JSON",
  ].join("\n"),
  async run(args, ctx) {
    const flags = parseFlags("policy eval", args, {
      context: { type: "string" },
      json: { type: "boolean" },
    });
    if (flags.values.help) return await showSub(this, ctx);
    const [file = "", actionText = "", resourceText = ""] = oneFile(this, flags.positionals, 3);
    if (!(ACTIONS as readonly string[]).includes(actionText)) {
      const close = suggest(actionText, ACTIONS);
      throw new RangeError(
        `Unknown action "${actionText}"${
          close ? `: did you mean "${close}"?` : `: choose from ${ACTIONS.join(", ")}`
        }`,
      );
    }
    const action = actionText as ActionName;
    const context = parseContext(stringFlag(flags, "context"));
    const resource = parseRequestResource(action, resourceText);
    const compiled = await compileFile(file, ctx);
    if (!compiled) return 1;
    const { ir, text } = compiled;
    const answer = decide(ir, { action, resource: resourceText, ...(context ? { context } : {}) });
    const theirs = cedarDecide(ir, { action, resource }, {
      policies: policiesById(text, ir),
      ...(context ? { context } : {}),
    });
    if (
      theirs.decision !== answer.decision ||
      theirs.reason.join() !== [...answer.rules].sort().join()
    ) {
      throw new Error(
        `Cannot trust this answer: the IR matcher said ${answer.decision} (${
          answer.rules.join(", ")
        }) but cedar-wasm said ${theirs.decision} (${
          theirs.reason.join(", ")
        }); please report this bug`,
      );
    }
    if (boolFlag(flags, "json")) {
      await ctx.out(JSON.stringify({ action, resource: resource.key, ...answer }) + "\n");
      return 0;
    }
    const rules = answer.rules.length > 0
      ? answer.rules.join(", ")
      : answer.decision === "deny"
      ? "none (default deny)"
      : "none";
    await ctx.out(`${answer.decision}\n  rules: ${rules}\n  layer: ${answer.layer}\n`);
    return 0;
  },
};

const fmt: Subcommand = {
  name: "fmt",
  summary: "Normalise formatting (cedar-wasm's formatter)",
  usage: "leash policy fmt FILE [--write]",
  help:
    "Prints the formatted policy, or with --write replaces FILE with it.\n\nFlags:\n  --write  Rewrite FILE in place\n",
  async run(args, ctx) {
    const flags = parseFlags("policy fmt", args, { write: { type: "boolean" } });
    if (flags.values.help) return await showSub(this, ctx);
    const [file = ""] = oneFile(this, flags.positionals);
    let text: string;
    try {
      text = await readPolicyFile(file);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      for (const d of error.diagnostics) await ctx.err(formatDiagnostic(d) + "\n");
      return 1;
    }
    const answer = cedar.formatPolicies({ policyText: text });
    if (answer.type === "failure") {
      // Report parse errors with locations the same way `check` does.
      if (await compileFile(file, ctx)) {
        await ctx.err(
          `error: Cannot format "${file}": ${answer.errors.map((e) => e.message).join("; ")}\n`,
        );
      }
      return 1;
    }
    if (!boolFlag(flags, "write")) {
      await ctx.out(answer.formatted_policy);
      return 0;
    }
    if (answer.formatted_policy !== text) {
      const temp = `${file}.leash-fmt-${crypto.randomUUID().slice(0, 8)}`;
      await Deno.writeTextFile(temp, answer.formatted_policy);
      await Deno.rename(temp, file);
    }
    return 0;
  },
};

const trust: Subcommand = {
  name: "trust",
  summary: "Let leash run use this ./leash.cedar as it is now",
  usage: "leash policy trust [FILE]",
  help: [
    "leash run uses a ./leash.cedar only when you trusted it in its current content: the agent",
    "may write the workspace, so a new or changed one could widen its own policy. Review the",
    "file, then trust it (FILE defaults to ./leash.cedar). The record (its real path and SHA-256)",
    "is kept in $XDG_DATA_HOME/leash/trusted-policies, outside the workspace; any change to the",
    "file needs trusting again. A policy given with --policy needs no trust.",
    "",
  ].join("\n"),
  async run(args, ctx) {
    const flags = parseFlags("policy trust", args, {});
    if (flags.values.help) return await showSub(this, ctx);
    if (flags.positionals.length > 1) {
      throw new UsageError(`Unexpected argument "${flags.positionals[1]}"`, "policy trust");
    }
    const file = flags.positionals[0] ?? "leash.cedar";
    // Compiles first: trusting a file that does not even parse helps nobody.
    const compiled = await compileFile(file, ctx);
    if (!compiled) return 1;
    const dirs = leashDirs((name) => ctx.env(name), Deno.uid());
    const trusted = await trustPolicy(dirs, file, compiled.text);
    await ctx.out(`trusted "${trusted.path}" (sha256 ${trusted.sha256.slice(0, 16)}…)\n`);
    return 0;
  },
};

const SUBCOMMANDS: Subcommand[] = [check, explain, evaluate, fmt, trust];

async function showSub(sub: Subcommand, ctx: CliContext): Promise<number> {
  await ctx.out(commandHelp({ ...sub, name: `policy ${sub.name}`, run: sub.run }));
  return 0;
}

/** `leash policy`: check, explain, evaluate and format Cedar policies. */
export const policyCommand: Command = {
  name: "policy",
  summary: "Check, explain, evaluate and format Cedar policies",
  usage: "leash policy check|explain|eval|fmt|trust FILE [ARGS]",
  help: [
    "Subcommands:",
    ...SUBCOMMANDS.map((s) => `  ${s.usage.replace("leash policy ", "").padEnd(58)}  ${s.summary}`),
    "",
    "Policies are Cedar, compatible with StrongDM Leash: default deny, and any matching forbid",
    'beats every permit. Run "leash policy SUBCOMMAND --help" for details.',
  ].join("\n"),
  async run(args, ctx) {
    const [first, ...rest] = args;
    if (first === undefined || first === "-h" || first === "--help") {
      return await showHelp(this, ctx);
    }
    const sub = SUBCOMMANDS.find((s) => s.name === first);
    if (!sub) {
      const names = SUBCOMMANDS.map((s) => s.name);
      const hint = suggest(first, names);
      throw new UsageError(
        `Unknown policy subcommand "${first}"${
          hint ? `: did you mean "${hint}"?` : `: choose from ${names.join(", ")}`
        }`,
        "policy",
      );
    }
    return await sub.run(rest, ctx);
  },
};
