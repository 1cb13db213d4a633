/** Turns IR conditions into fast closures with Cedar's short-circuit and error semantics. */
import type { ActionName, EntityType, IrCondition, IrEntityRef, IrPatternElem } from "./ir.ts";

/** The request's resource as conditions see it. */
export interface EvalResource {
  type: EntityType;
  /** Canonical id of the request entity. */
  key: string;
  /** `covered[i]` is true when the resource is `in` named entity `i` (reflexive). */
  covered: ArrayLike<boolean | number>;
}

/** Result of a condition: true, false, or undefined for a Cedar evaluation error. */
export type Tri = boolean | undefined;

/** A compiled condition. */
export type CondFn = (
  resource: EvalResource,
  action: ActionName,
  context: Readonly<Record<string, string>>,
) => Tri;

/** Assigns each named entity (type + key) a dense index used by `EvalResource.covered`. */
export class EntityIndex {
  readonly refs: IrEntityRef[] = [];
  #byKey = new Map<string, number>();

  /** The index of `ref`, adding it when new. */
  indexOf(ref: IrEntityRef): number {
    const k = `${ref.type}\0${ref.key}`;
    let i = this.#byKey.get(k);
    if (i === undefined) {
      i = this.refs.length;
      this.refs.push(ref);
      this.#byKey.set(k, i);
    }
    return i;
  }

  /** The index of the entity `type` + `key`, if some rule names it. */
  find(type: IrEntityRef["type"], key: string): number | undefined {
    return this.#byKey.get(`${type}\0${key}`);
  }
}

/** Compiles `cond`, registering every entity it names in `index`. */
export function compileCondition(cond: IrCondition, index: EntityIndex): CondFn {
  if ("const" in cond) {
    const v = cond.const;
    return () => v;
  }
  if ("all" in cond) {
    const parts = cond.all.map((c) => compileCondition(c, index));
    return (r, a, c) => {
      for (const part of parts) {
        const v = part(r, a, c);
        if (v !== true) return v;
      }
      return true;
    };
  }
  if ("any" in cond) {
    const parts = cond.any.map((c) => compileCondition(c, index));
    return (r, a, c) => {
      for (const part of parts) {
        const v = part(r, a, c);
        if (v !== false) return v;
      }
      return false;
    };
  }
  if ("not" in cond) {
    const inner = compileCondition(cond.not, index);
    return (r, a, c) => {
      const v = inner(r, a, c);
      return v === undefined ? undefined : !v;
    };
  }
  if ("resource_in" in cond) {
    const i = index.indexOf(cond.resource_in);
    return (r) => !!r.covered[i];
  }
  if ("resource_eq" in cond) {
    const { type, key } = cond.resource_eq;
    index.indexOf(cond.resource_eq);
    return (r) => r.type === type && r.key === key;
  }
  if ("resource_is" in cond) {
    const type = cond.resource_is;
    return (r) => r.type === type;
  }
  if ("action_in" in cond) {
    const set = new Set<string>(cond.action_in);
    return (_r, a) => set.has(a);
  }
  if ("context_eq" in cond) {
    const { attr, value } = cond.context_eq;
    return (_r, _a, c) => {
      const v = Object.hasOwn(c, attr) ? c[attr] : undefined;
      return v === undefined ? undefined : v === value;
    };
  }
  if ("context_like" in cond) {
    const { attr, pattern } = cond.context_like;
    const re = likeRegExp(pattern);
    return (_r, _a, c) => {
      const v = Object.hasOwn(c, attr) ? c[attr] : undefined;
      return v === undefined ? undefined : re.test(v);
    };
  }
  const attr = cond.context_has;
  return (_r, _a, c) => Object.hasOwn(c, attr);
}

/** A RegExp equivalent to a Cedar `like` pattern (`*` matches any run of characters). */
export function likeRegExp(pattern: readonly IrPatternElem[]): RegExp {
  const body = pattern.map((p) =>
    p === "wildcard" ? "[\\s\\S]*" : p.literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  ).join("");
  return new RegExp(`^${body}$`, "u");
}

/** Renders a `like` pattern back as Cedar text (without quotes). */
export function likeText(pattern: readonly IrPatternElem[]): string {
  return pattern.map((p) => p === "wildcard" ? "*" : p.literal.replace(/[\\*]/g, "\\$&")).join(
    "",
  );
}
