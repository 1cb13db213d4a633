/** Compiles Cedar policy text into the IR (see `ir.ts`), with located errors and warnings. */
import * as cedar from "cedar-wasm";
import { createHash } from "node:crypto";
import { suggest } from "../text/mod.ts";
import { actionName, ConditionCompiler, ConditionError } from "./conditions.ts";
import { type PolicyDiagnostic, PolicyError } from "./errors.ts";
import { parseHostPattern } from "./hosts.ts";
import {
  type ActionName,
  ACTIONS,
  CONTEXT_ATTRS,
  ENTITY_TYPES,
  type EntityType,
  type IrCondition,
  type IrEntity,
  type IrEntityRef,
  type IrRule,
  type PolicyIr,
} from "./ir.ts";
import { buildLayers, rewriteOf } from "./layers.ts";
import { parsePolicyPath } from "./paths.ts";
import { findIn, SourceMap, splitStatements, type Statement } from "./source.ts";
import { lintRules } from "./lint.ts";

/** Largest policy text accepted, in bytes of UTF-8. */
export const MAX_POLICY_BYTES = 4 * 1024 * 1024;

/** Options for {@linkcode compilePolicy}. */
export interface CompileOptions {
  /** File name (or label) used in diagnostics and the IR's `source`. @default "policy.cedar" */
  file?: string;
}

/** A compiled policy and the warnings found on the way. */
export interface CompileResult {
  ir: PolicyIr;
  warnings: PolicyDiagnostic[];
}

// deno-lint-ignore no-explicit-any
type Json = any;

/**
 * Compiles Cedar `text`. Throws PolicyError (never anything else) carrying every located
 * error when the text does not parse or holds statements no layer can enforce.
 */
export function compilePolicy(text: string, options: CompileOptions = {}): CompileResult {
  const file = options.file ?? "policy.cedar";
  try {
    return compileUnsafe(text, file);
  } catch (error) {
    if (error instanceof PolicyError) throw error;
    throw new PolicyError([
      diag(
        file,
        1,
        1,
        `Cannot compile policy: internal error: ${String(error)}`,
        "report this bug",
      ),
    ], { cause: error });
  }
}

function diag(
  file: string,
  line: number,
  col: number,
  message: string,
  hint?: string,
): PolicyDiagnostic {
  return hint === undefined
    ? { severity: "error", file, line, col, message }
    : { severity: "error", file, line, col, message, hint };
}

function compileUnsafe(text: string, file: string): CompileResult {
  const map = new SourceMap(text);
  const at = (
    offset: number,
    message: string,
    hint?: string,
    severity: "error" | "warning" = "error",
  ) => {
    const { line, col } = map.locate(offset);
    return { ...diag(file, line, col, message, hint), severity };
  };
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_POLICY_BYTES) {
    throw new PolicyError([
      at(
        0,
        `Policy is too large: ${bytes} bytes, the limit is ${MAX_POLICY_BYTES}`,
        "split it or remove generated rules",
      ),
    ]);
  }
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    throw new PolicyError([
      at(nul, "Policy is not text: it holds a NUL byte", "pass a Cedar text file"),
    ]);
  }
  const statements = splitStatements(text);
  const parsed = cedar.checkParsePolicySet({ staticPolicies: text });
  if (parsed.type === "failure") {
    throw new PolicyError(parsed.errors.map((e) => cedarDiagnostic(e, text, at)));
  }
  if (statements.length === 0) {
    throw new PolicyError([
      at(
        0,
        "Policy is empty: it would deny everything",
        'add statements, e.g. permit (principal, action == Action::"FileOpenReadOnly", resource in Dir::"/usr/");',
      ),
    ]);
  }
  const diagnostics: PolicyDiagnostic[] = [];
  const entities = new Map<string, IrEntity>();
  const rules: IrRule[] = [];
  const ids = new Map<string, number>();
  statements.forEach((statement, index) => {
    try {
      const rule = compileStatement(statement, index, { at, entities, diagnostics });
      const seen = ids.get(rule.id);
      if (seen !== undefined) {
        diagnostics.push(
          at(statement.start, `Duplicate rule id "${rule.id}"`, "give each statement its own @id"),
        );
      }
      ids.set(rule.id, index);
      rules.push(rule);
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      diagnostics.push(at(findIn(statement, error.needle), error.message, error.hint));
    }
  });
  if (diagnostics.some((d) => d.severity === "error")) throw new PolicyError(diagnostics);
  const sortedEntities = [...entities.values()].sort((a, b) =>
    a.type === b.type ? cmp(a.id, b.id) : cmp(a.type, b.type)
  );
  const ir = buildLayers({
    source: { label: file, sha256: createHash("sha256").update(text).digest("hex") },
    rules,
    entities: sortedEntities,
  });
  const lint = lintRules(ir).map((l) => {
    const loc = ir.rules.find((r) => r.id === l.rule)?.loc ?? { line: 1, col: 1 };
    return { ...diag(file, loc.line, loc.col, l.message, l.hint), severity: "warning" as const };
  });
  return { ir, warnings: [...diagnostics, ...lint] };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cedarDiagnostic(
  e: cedar.DetailedError,
  text: string,
  at: (offset: number, message: string, hint?: string) => PolicyDiagnostic,
): PolicyDiagnostic {
  const loc = e.sourceLocations?.[0] ?? e.related?.flatMap((r) => r.sourceLocations ?? [])[0];
  const related = (e.related ?? []).map((r) => r.message).filter((m) => m && m !== e.message);
  const labels = [loc?.label, ...related].filter((x): x is string => !!x);
  const hint = [e.help, ...labels].filter((x): x is string => !!x).join("; ") || undefined;
  return at(byteToCharOffset(text, loc?.start ?? 0), e.message, hint);
}

/** Cedar reports byte offsets into the UTF-8 text; convert to a UTF-16 index. */
function byteToCharOffset(text: string, byteOffset: number): number {
  let bytes = 0;
  let i = 0;
  while (i < text.length && bytes < byteOffset) {
    const code = text.codePointAt(i) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    i += code >= 0x10000 ? 2 : 1;
  }
  return i;
}

interface StatementContext {
  at: (
    offset: number,
    message: string,
    hint?: string,
    severity?: "error" | "warning",
  ) => PolicyDiagnostic;
  entities: Map<string, IrEntity>;
  diagnostics: PolicyDiagnostic[];
}

const suggestAction = (s: string) => suggest(s, ACTIONS);

function compileStatement(statement: Statement, index: number, ctx: StatementContext): IrRule {
  const answer = cedar.policyToJson(statement.text);
  if (answer.type === "failure") {
    throw new ConditionError(
      `Cannot compile statement: ${answer.errors.map((e) => e.message).join("; ")}`,
      "",
      "templates (?principal, ?resource) are not supported",
    );
  }
  const json: Json = answer.json;
  const warn = (needle: string, message: string, hint?: string) =>
    ctx.diagnostics.push(ctx.at(findIn(statement, needle), message, hint, "warning"));
  const resolver = {
    resolve(type: string, id: string, op: "in" | "=="): IrEntityRef {
      return resolveEntity(type, id, op, { entities: ctx.entities, warn });
    },
  };
  const conditions = new ConditionCompiler(resolver, suggestAction);
  if (json.principal?.op !== "All") {
    throw new ConditionError(
      "Cannot compile a principal constraint: leash policies apply to the whole container",
      "principal",
      "write `principal` without a constraint",
    );
  }
  const actions = scopeActions(json.action);
  const parts: IrCondition[] = [];
  const resource = json.resource;
  if (resource.op === "==" || resource.op === "in") {
    if (!resource.entity) {
      throw new ConditionError(
        "Cannot compile a template slot",
        "?",
        "templates are not supported",
      );
    }
    const ref = resolver.resolve(resource.entity.type, resource.entity.id, resource.op);
    parts.push(resource.op === "==" ? { resource_eq: ref } : { resource_in: ref });
  } else if (resource.op === "is") {
    parts.push(
      conditions.expr({
        is: {
          left: { Var: "resource" },
          entity_type: resource.entity_type,
          in: resource.in ? { Value: { __entity: resource.in.entity } } : undefined,
        },
      }),
    );
  }
  for (const clause of json.conditions as Json[]) {
    const body = conditions.expr(clause.body);
    parts.push(clause.kind === "unless" ? { not: body } : body);
  }
  checkContext(actions, conditions.use.contextAttrs);
  if (conditions.use.literalValues) {
    warn(
      "context.value",
      "HttpRewrite value is written in the policy file",
      'reference a secret instead: context.secret == "NAME" with --secret NAME=SOURCE',
    );
  }
  const annotations: Record<string, string> = json.annotations ?? {};
  const id = annotations.id ?? generatedId(statement.text, index);
  const { line, col } = ctx.at(statement.start, "");
  const flat = parts.flatMap((p) => ("all" in p ? p.all : [p]));
  const condition: IrCondition = flat.length === 0
    ? { const: true }
    : flat.length === 1 && flat[0]
    ? flat[0]
    : { all: flat };
  if (json.effect === "permit" && actions.length === 1 && actions[0] === "HttpRewrite") {
    if (!rewriteOf({ id, effect: "permit", actions, condition, loc: { line, col } })) {
      throw new ConditionError(
        "Cannot compile HttpRewrite permit: it names no header and value",
        "HttpRewrite",
        'write when { context.header == "NAME" && context.secret == "SECRET" } (or context.value == "literal")',
      );
    }
  }
  return { id, effect: json.effect, actions, condition, loc: { line, col } };
}

function scopeActions(action: Json): ActionName[] {
  if (action.op === "All") return [...ACTIONS].sort();
  const list: Json[] = action.entities ?? [action.entity];
  const names = new Set(list.map((e) => actionName(e.type, e.id, suggestAction)));
  return [...names].sort();
}

function checkContext(actions: ActionName[], attrs: Set<string>): void {
  for (const attr of attrs) {
    const known = ACTIONS.filter((a) => CONTEXT_ATTRS[a].includes(attr));
    if (known.length === 0) {
      throw new ConditionError(
        `Unknown context attribute "${attr}"`,
        `.${attr}`,
        "known: method, path (HttpRequest); header, value, secret (HttpRewrite)",
      );
    }
    const lacking = actions.filter((a) => !CONTEXT_ATTRS[a].includes(attr));
    if (lacking.length > 0) {
      throw new ConditionError(
        `Cannot compile context.${attr} for ${
          lacking.join(", ")
        }: those requests carry no "${attr}", so no layer can enforce it`,
        `.${attr}`,
        `limit the statement to action == Action::"${known[0]}"`,
      );
    }
  }
}

function generatedId(text: string, index: number): string {
  const normalised = text.replace(/\s+/g, " ").trim();
  return `policy${index}-${createHash("sha256").update(normalised).digest("hex").slice(0, 8)}`;
}

interface ResolveContext {
  entities: Map<string, IrEntity>;
  warn: (needle: string, message: string, hint?: string) => void;
}

function resolveEntity(
  type: string,
  id: string,
  op: "in" | "==",
  ctx: ResolveContext,
): IrEntityRef {
  const needle = `"${id.replace(/["\\]/g, "\\$&")}"`;
  if (!(ENTITY_TYPES as readonly string[]).includes(type)) {
    const close = suggest(type, ENTITY_TYPES);
    throw new ConditionError(
      `Unknown entity type "${type}"`,
      `${type}::`,
      close ? `did you mean ${close}?` : `known types: ${ENTITY_TYPES.join(", ")}`,
    );
  }
  const entityType = type as EntityType;
  let key: string;
  try {
    if (entityType === "Dir" || entityType === "File") {
      const path = parsePolicyPath(id, entityType);
      if (path.warning) ctx.warn(needle, path.warning, `write Dir "${path.key}"`);
      key = path.key;
    } else if (entityType === "Host") {
      const pattern = parseHostPattern(id);
      if (pattern.warning) ctx.warn(needle, pattern.warning);
      key = pattern.key;
    } else {
      if (id === "") throw new RangeError(`Cannot use ${type} "": the name is empty`);
      key = id;
    }
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const hint = entityType === "Host"
      ? 'hosts look like "api.example.com", "*.example.com", "host:443", "10.0.0.0/8", "[2001:db8::1]:443"'
      : entityType === "Dir" || entityType === "File"
      ? 'paths are absolute and canonical, e.g. Dir "/workspace/" or File "/etc/passwd"'
      : undefined;
    throw new ConditionError(error.message, needle, hint, { cause: error });
  }
  if (op === "==") {
    if (entityType === "Dir") {
      ctx.warn(
        needle,
        `resource == Dir "${id}" never matches: requests name files`,
        `write resource in Dir::"${key}"`,
      );
    } else if (key !== id) {
      throw new ConditionError(
        `Cannot compare with ${type} "${id}": == needs its canonical spelling "${key}"`,
        needle,
        `write ${type}::"${key}"`,
      );
    }
  }
  ctx.entities.set(`${type}\0${id}`, { type: entityType, id, key });
  return { type: entityType, key };
}
