/** Warnings about rules that compile but probably do not mean what their author meant. */
import { dirCovers } from "./paths.ts";
import { hostCovers, parseRequestHost } from "./hosts.ts";
import { hostPattern } from "./entities.ts";
import type { IrCondition, IrEntityRef, IrRule, PolicyIr } from "./ir.ts";
import { execForbidLints } from "./lint_exec.ts";

/** One lint finding about a rule. */
export interface Lint {
  rule: string;
  message: string;
  hint?: string;
}

/** Lints the compiled rules: shadowed and duplicate rules, informational MCP permits, type mismatches. */
export function lintRules(ir: PolicyIr): Lint[] {
  const out: Lint[] = [];
  const seen = new Map<string, string>();
  for (const rule of ir.rules) {
    const shape = JSON.stringify([rule.effect, rule.actions, rule.condition]);
    const twin = seen.get(shape);
    if (twin !== undefined) {
      out.push({
        rule: rule.id,
        message: `Rule "${rule.id}" duplicates rule "${twin}"`,
        hint: "remove one of them",
      });
    } else seen.set(shape, rule.id);
    if (rule.effect === "permit" && rule.actions.length === 1 && rule.actions[0] === "McpCall") {
      out.push({
        rule: rule.id,
        message:
          `permit on McpCall ("${rule.id}") is informational: the proxy enforces McpCall forbids only`,
      });
    }
    const mismatch = typeMismatch(rule);
    if (mismatch) out.push({ rule: rule.id, message: mismatch });
  }
  for (const permit of ir.rules) {
    if (permit.effect !== "permit") continue;
    const target = simpleResource(permit.condition);
    if (target === undefined) continue;
    for (const forbid of ir.rules) {
      if (forbid.effect !== "forbid" || !permit.actions.every((a) => forbid.actions.includes(a))) {
        continue;
      }
      const cover = simpleResource(forbid.condition);
      if (cover === undefined || !covers(cover, target)) continue;
      out.push({
        rule: permit.id,
        message: `permit "${permit.id}" never allows anything: forbid "${forbid.id}" overrides it`,
        hint: "forbid always wins in Cedar; narrow the forbid or remove the permit",
      });
      break;
    }
  }
  out.push(...execForbidLints(ir.rules));
  return out;
}

/** The single resource a condition-free rule names: null = every resource, undefined = not simple. */
function simpleResource(cond: IrCondition): IrEntityRef | null | undefined {
  if ("const" in cond) return cond.const ? null : undefined;
  if ("resource_in" in cond) return cond.resource_in;
  if ("resource_eq" in cond && cond.resource_eq.type === "File") return cond.resource_eq;
  return undefined;
}

function covers(outer: IrEntityRef | null, inner: IrEntityRef | null): boolean {
  if (outer === null) return true;
  if (inner === null) return false;
  if (outer.type === "Dir" && (inner.type === "Dir" || inner.type === "File")) {
    const path = inner.type === "Dir"
      ? (inner.key === "/" ? "/" : inner.key.slice(0, -1))
      : inner.key;
    return dirCovers(outer.key, path);
  }
  if (outer.type === "Host" && inner.type === "Host") {
    const p = hostPattern(inner.key);
    if (p.kind !== "name" && !(p.kind === "cidr" && p.length === (p.ip.family === 4 ? 32 : 128))) {
      return outer.key === inner.key ||
        hostPattern(outer.key).kind === "any" && hostPattern(outer.key).port === undefined;
    }
    return hostCovers(hostPattern(outer.key), parseRequestHost(inner.key));
  }
  return outer.type === inner.type && outer.key === inner.key;
}

function typeMismatch(rule: IrRule): string | undefined {
  const ref = simpleResource(rule.condition);
  if (!ref) return undefined;
  const fileish = rule.actions.some((a) => a.startsWith("File") || a === "ProcessExec");
  const hostish = rule.actions.some((a) => a === "NetworkConnect" || a.startsWith("Http"));
  const mcpish = rule.actions.includes("McpCall");
  const ok = ref.type === "Dir" || ref.type === "File"
    ? fileish
    : ref.type === "Host"
    ? hostish
    : mcpish;
  return ok
    ? undefined
    : `Rule "${rule.id}" never matches: its actions (${
      rule.actions.join(", ")
    }) never name a ${ref.type}`;
}
