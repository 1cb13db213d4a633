/** Rules compiled to closures and indexed by action: the evaluation core of the IR matcher. */
import { compileCondition, type CondFn, EntityIndex, type EvalResource } from "./evaluate.ts";
import type { ActionName, IrDecision, IrRule } from "./ir.ts";
import { refCovers, type RequestResource } from "./entities.ts";

interface CompiledRule {
  id: string;
  order: number;
  forbid: boolean;
  fn: CondFn;
}

/** One Cedar request inside a leash request: its action and context. */
export interface SubRequest {
  action: ActionName;
  context: Readonly<Record<string, string>>;
}

/** The rules of a policy, ready to evaluate. */
export class RuleSet {
  readonly index = new EntityIndex();
  #byAction = new Map<ActionName, CompiledRule[]>();

  constructor(rules: readonly IrRule[]) {
    rules.forEach((rule, order) => {
      const compiled = {
        id: rule.id,
        order,
        forbid: rule.effect === "forbid",
        fn: compileCondition(rule.condition, this.index),
      };
      for (const action of rule.actions) {
        let list = this.#byAction.get(action);
        if (!list) this.#byAction.set(action, list = []);
        list.push(compiled);
      }
    });
  }

  /** The `covered` vector of a request resource over the named entities. */
  covered(res: RequestResource): boolean[] {
    return this.index.refs.map((ref) => refCovers(ref, res));
  }

  /** Cedar's decision over the union of `subs` for `resource`. */
  decide(subs: readonly SubRequest[], resource: EvalResource): IrDecision {
    const forbids: CompiledRule[] = [];
    const permits: CompiledRule[] = [];
    for (const sub of subs) {
      const list = this.#byAction.get(sub.action);
      if (!list) continue;
      for (const rule of list) {
        if (rule.fn(resource, sub.action, sub.context) !== true) continue;
        const into = rule.forbid ? forbids : permits;
        if (!into.includes(rule)) into.push(rule);
      }
    }
    if (forbids.length > 0) return { decision: "deny", rules: ids(forbids) };
    if (permits.length > 0) return { decision: "allow", rules: ids(permits) };
    return { decision: "deny", rules: [] };
  }
}

function ids(rules: CompiledRule[]): string[] {
  if (rules.length > 1) rules.sort((a, b) => a.order - b.order);
  return rules.map((r) => r.id);
}
