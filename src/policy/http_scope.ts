/**
 * Which HTTP-level rules (HttpRequest method/path rules, HttpRewrite injections) could apply to
 * a host, whatever the request: the proxy tunnels a connection without inspecting it only when
 * none could (src/proxy/inspection.ts). Each rule's condition is evaluated with the resource
 * known and the context unknown (three-valued); a rule could apply unless its condition is
 * false for every context.
 */
import { parseRequestResource, refCovers, type RequestResource } from "./entities.ts";
import type { ActionName, IrCondition, PolicyIr } from "./ir.ts";

/** The actions that act on HTTP requests inside a connection rather than on the connection. */
const HTTP_ACTIONS: readonly ActionName[] = ["HttpRequest", "HttpRewrite"];

type Tri = boolean | "unknown";

function partial(cond: IrCondition, res: RequestResource, action: ActionName): Tri {
  if ("const" in cond) return cond.const;
  if ("all" in cond) {
    let result: Tri = true;
    for (const c of cond.all) {
      const v = partial(c, res, action);
      if (v === false) return false;
      if (v === "unknown") result = "unknown";
    }
    return result;
  }
  if ("any" in cond) {
    let result: Tri = false;
    for (const c of cond.any) {
      const v = partial(c, res, action);
      if (v === true) return true;
      if (v === "unknown") result = "unknown";
    }
    return result;
  }
  if ("not" in cond) {
    const v = partial(cond.not, res, action);
    return v === "unknown" ? v : !v;
  }
  if ("resource_in" in cond) return refCovers(cond.resource_in, res);
  if ("resource_eq" in cond) {
    return cond.resource_eq.type === res.type && cond.resource_eq.key === res.key;
  }
  if ("resource_is" in cond) return cond.resource_is === res.type;
  if ("action_in" in cond) return cond.action_in.includes(action);
  return "unknown"; // context_eq, context_like, context_has: the request's, not known here
}

/**
 * The id of the first HttpRequest or HttpRewrite rule that could apply to a request for
 * `resource` (`host:port`), or undefined when none could. Throws RangeError for a malformed
 * resource.
 */
export function httpRuleFor(ir: PolicyIr, resource: string): string | undefined {
  const res = parseRequestResource("HttpRequest", resource);
  for (const rule of ir.rules) {
    for (const action of rule.actions) {
      if (!HTTP_ACTIONS.includes(action)) continue;
      if (partial(rule.condition, res, action) !== false) return rule.id;
    }
  }
  return undefined;
}
