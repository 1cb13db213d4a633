/** Converts Cedar's JSON policy form (scope and when/unless bodies) into IR conditions. */
import type { ActionName, EntityType, IrCondition, IrEntityRef, IrPatternElem } from "./ir.ts";
import { ACTIONS, ENTITY_TYPES } from "./ir.ts";

/** A located compile problem inside one statement: `needle` finds its place in the text. */
export class ConditionError extends Error {
  override name = "ConditionError";
  readonly needle: string;
  readonly hint: string | undefined;

  constructor(message: string, needle: string, hint?: string, options?: ErrorOptions) {
    super(message, options);
    this.needle = needle;
    this.hint = hint;
  }
}

/** Resolves entity literals (validating and recording them) into IR references. */
export interface EntityResolver {
  /** Resolves a resource entity used with `in` or `==`. */
  resolve(type: string, id: string, op: "in" | "=="): IrEntityRef;
}

/** Everything a statement's conditions use besides entities. */
export interface ConditionUse {
  contextAttrs: Set<string>;
  /** `context.value` literals compared with `==` (for the literal-secret warning). */
  literalValues: boolean;
}

// deno-lint-ignore no-explicit-any
type Json = any;

const SUPPORTED_HINT =
  'supported: resource in/== entities, resource is TYPE, action in/== actions, context.ATTR == "text", context.ATTR like "pat*", context has ATTR, &&, ||, !, true, false';

function entityOf(value: Json): { type: string; id: string } | undefined {
  if (value && typeof value === "object" && "Value" in value) value = value.Value;
  const e = value && typeof value === "object" && "__entity" in value ? value.__entity : undefined;
  if (e && typeof e.type === "string" && typeof e.id === "string") return e;
  return undefined;
}

function varOf(expr: Json): string | undefined {
  return expr && typeof expr === "object" && typeof expr.Var === "string" ? expr.Var : undefined;
}

function contextAttrOf(expr: Json): string | undefined {
  const dot = expr && typeof expr === "object" ? expr["."] : undefined;
  if (dot && varOf(dot.left) === "context" && typeof dot.attr === "string") return dot.attr;
  return undefined;
}

function stringOf(expr: Json): string | undefined {
  return expr && typeof expr === "object" && typeof expr.Value === "string"
    ? expr.Value
    : undefined;
}

/** Resolves an action entity literal; throws ConditionError for unknown actions. */
export function actionName(
  type: string,
  id: string,
  suggestFn: (s: string) => string | undefined,
): ActionName {
  const needle = `"${id}"`;
  if (type !== "Action") {
    throw new ConditionError(
      `Unknown action entity type "${type}"`,
      `${type}::`,
      `write actions as Action::"NAME"`,
    );
  }
  if (!(ACTIONS as readonly string[]).includes(id)) {
    const close = suggestFn(id);
    throw new ConditionError(
      `Unknown action "${id}"`,
      needle,
      close ? `did you mean Action::"${close}"?` : `known actions: ${ACTIONS.join(", ")}`,
    );
  }
  return id as ActionName;
}

/** Converts condition bodies to IR. */
export class ConditionCompiler {
  readonly use: ConditionUse = { contextAttrs: new Set(), literalValues: false };
  #resolver: EntityResolver;
  #suggest: (s: string) => string | undefined;

  constructor(resolver: EntityResolver, suggestAction: (s: string) => string | undefined) {
    this.#resolver = resolver;
    this.#suggest = suggestAction;
  }

  /** Converts one expression. */
  expr(e: Json): IrCondition {
    if (!e || typeof e !== "object") throw this.#unsupported("this expression", "");
    if ("Value" in e) {
      if (typeof e.Value === "boolean") return { const: e.Value };
      throw this.#unsupported("a non-boolean value used as a condition", "");
    }
    if ("&&" in e) return flatten("all", [this.expr(e["&&"].left), this.expr(e["&&"].right)]);
    if ("||" in e) return flatten("any", [this.expr(e["||"].left), this.expr(e["||"].right)]);
    if ("!" in e) return { not: this.expr(e["!"].arg) };
    if ("==" in e) return this.#equals(e["=="].left, e["=="].right, "==");
    if ("!=" in e) return { not: this.#equals(e["!="].left, e["!="].right, "!=") };
    if ("in" in e) return this.#in(e.in.left, e.in.right);
    if ("like" in e) {
      const attr = contextAttrOf(e.like.left);
      if (attr === undefined) {
        throw this.#unsupported("`like` on anything but context.ATTR", "like");
      }
      this.use.contextAttrs.add(attr);
      const pattern: IrPatternElem[] = (e.like.pattern as Json[]).map((p) =>
        p === "Wildcard" ? "wildcard" : { literal: String(p.Literal) }
      );
      return { context_like: { attr, pattern } };
    }
    if ("has" in e) {
      const attr = e.has.attr;
      if (varOf(e.has.left) !== "context" || typeof attr !== "string") {
        throw this.#unsupported("`has` on anything but context", "has");
      }
      this.use.contextAttrs.add(attr);
      return { context_has: attr };
    }
    if ("is" in e) {
      if (varOf(e.is.left) !== "resource") {
        throw this.#unsupported("`is` on anything but resource", "is");
      }
      const type = this.#entityType(e.is.entity_type);
      const is: IrCondition = { resource_is: type };
      return e.is.in === undefined ? is : { all: [is, this.#in(e.is.left, e.is.in)] };
    }
    const op = Object.keys(e)[0] ?? "?";
    if (op === "Var") throw this.#unsupported(`the bare variable "${e.Var}" as a condition`, e.Var);
    if (op === ".") {
      throw this.#unsupported(`attribute "${e["."].attr}" outside a comparison`, e["."].attr);
    }
    throw this.#unsupported(`the "${op}" operator`, op === "if-then-else" ? "if" : op);
  }

  #entityType(type: string): EntityType {
    if (!(ENTITY_TYPES as readonly string[]).includes(type)) {
      throw new ConditionError(
        `Unknown entity type "${type}"`,
        type,
        `known types: ${ENTITY_TYPES.join(", ")}`,
      );
    }
    return type as EntityType;
  }

  #equals(left: Json, right: Json, op: string): IrCondition {
    if (varOf(right) !== undefined || contextAttrOf(right) !== undefined) {
      [left, right] = [right, left];
    }
    const v = varOf(left);
    const entity = entityOf(right);
    if (v === "resource" && entity) {
      return { resource_eq: this.#resolver.resolve(entity.type, entity.id, "==") };
    }
    if (v === "action" && entity) {
      return { action_in: [actionName(entity.type, entity.id, this.#suggest)] };
    }
    if (v === "principal") throw this.#principal();
    const attr = contextAttrOf(left);
    const value = stringOf(right);
    if (attr !== undefined && value !== undefined) {
      this.use.contextAttrs.add(attr);
      if (attr === "value") this.use.literalValues = true;
      return { context_eq: { attr, value } };
    }
    throw this.#unsupported(`this \`${op}\` comparison`, op);
  }

  #in(left: Json, right: Json): IrCondition {
    const v = varOf(left);
    if (v === "principal") throw this.#principal();
    const items: Json[] = right && typeof right === "object" && Array.isArray(right.Set)
      ? right.Set
      : [right];
    const entities = items.map(entityOf);
    if (entities.some((e) => e === undefined) || (v !== "resource" && v !== "action")) {
      throw this.#unsupported("this `in` expression", "in");
    }
    const list = entities as { type: string; id: string }[];
    if (v === "action") {
      return { action_in: list.map((e) => actionName(e.type, e.id, this.#suggest)) };
    }
    const refs: IrCondition[] = list.map((e) => ({
      resource_in: this.#resolver.resolve(e.type, e.id, "in"),
    }));
    return refs.length === 1 && refs[0] ? refs[0] : { any: refs };
  }

  #principal(): ConditionError {
    return new ConditionError(
      "Cannot compile a condition on principal: leash policies apply to the whole container",
      "principal",
      "remove the principal condition",
    );
  }

  #unsupported(what: string, needle: string): ConditionError {
    return new ConditionError(
      `Cannot compile ${what}: no layer can enforce it`,
      needle,
      SUPPORTED_HINT,
    );
  }
}

function flatten(kind: "all" | "any", parts: IrCondition[]): IrCondition {
  const out: IrCondition[] = [];
  for (const p of parts) {
    if (kind === "all" && "all" in p) out.push(...p.all);
    else if (kind === "any" && "any" in p) out.push(...p.any);
    else out.push(p);
  }
  return kind === "all" ? { all: out } : { any: out };
}
