/** Rules compiled to closures and indexed by action: the evaluation core of the IR matcher. */
import { compileCondition, type CondFn, EntityIndex, type EvalResource } from "./evaluate.ts";
import type { ActionName, IrDecision, IrRule } from "./ir.ts";
import { hostPattern, refCovers, type RequestResource } from "./entities.ts";
import { coveringDirs } from "./paths.ts";

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

  #candidates: { byKey: Map<string, number[]>; scan: number[] } | undefined;

  /** The `covered` vector of a request resource over the named entities. */
  covered(res: RequestResource): Uint8Array {
    const refs = this.index.refs;
    const out = new Uint8Array(refs.length);
    if (res.type === "File") {
      // Only the Dirs above the path and the File itself can cover it: O(depth), not O(rules).
      for (const dir of coveringDirs(res.key)) {
        const i = this.index.find("Dir", dir);
        if (i !== undefined) out[i] = 1;
      }
      const file = this.index.find("File", res.key);
      if (file !== undefined) out[file] = 1;
      return out;
    }
    if (res.type !== "Host") {
      for (let i = 0; i < refs.length; i++) if (refCovers(refs[i]!, res)) out[i] = 1;
      return out;
    }
    // Host patterns are many in big policies: only names and suffixes of this host can match.
    const c = this.#candidates ??= this.#hostCandidates();
    const test = (i: number) => {
      if (refCovers(refs[i]!, res)) out[i] = 1;
    };
    c.scan.forEach(test);
    const host = res.host.host;
    c.byKey.get(host)?.forEach(test);
    if (res.host.ip === undefined) {
      for (let dot = host.indexOf("."); dot >= 0; dot = host.indexOf(".", dot + 1)) {
        c.byKey.get(`*${host.slice(dot)}`)?.forEach(test);
      }
    }
    return out;
  }

  #hostCandidates(): { byKey: Map<string, number[]>; scan: number[] } {
    const byKey = new Map<string, number[]>();
    const scan: number[] = [];
    this.index.refs.forEach((ref, i) => {
      if (ref.type !== "Host") return;
      const p = hostPattern(ref.key);
      const key = p.kind === "name" ? p.name : p.kind === "suffix" ? `*.${p.suffix}` : undefined;
      if (key === undefined) scan.push(i);
      else {
        const list = byKey.get(key);
        if (list) list.push(i);
        else byKey.set(key, [i]);
      }
    });
    return { byKey, scan };
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
