import { type ActionName, decide, type PolicyIr } from "../policy/mod.ts";
import type { EventFacts } from "../events/mod.ts";
import type { EgressMode } from "./options.ts";

/** A policy decision after the mode is applied. */
export interface Verdict {
  /** Whether the proxy lets the request through. */
  allowed: boolean;
  /** What the policy says. */
  decision: "allow" | "deny";
  /** The deciding rule ids (forbids, else permits; empty for the default deny). */
  rules: string[];
  mode: EgressMode;
  /** Why the request could not be evaluated (malformed host), when it could not. */
  error?: string;
}

/** Decides one proxy request against `ir` and applies `mode`; malformed input is denied. */
export function judge(
  ir: PolicyIr,
  mode: EgressMode,
  action: ActionName,
  resource: string,
  context?: Record<string, string>,
): Verdict {
  let decision: "allow" | "deny" = "deny";
  let rules: string[] = [];
  let error: string | undefined;
  try {
    const d = decide(ir, { action, resource, ...(context ? { context } : {}) });
    decision = d.decision;
    rules = d.rules;
  } catch (cause) {
    error = cause instanceof Error ? cause.message : String(cause);
  }
  const verdict: Verdict = {
    allowed: decision === "allow" || mode !== "enforce",
    decision,
    rules,
    mode,
  };
  if (error !== undefined) verdict.error = error;
  return verdict;
}

/** The event facts of a verdict: decision, would_deny in shadow mode, rule, layer. */
export function verdictFacts(verdict: Verdict): Partial<EventFacts> {
  const facts: Partial<EventFacts> = {
    decision: verdict.allowed ? "allow" : "deny",
    rule: verdict.rules[0] ?? null,
    layer: "proxy",
  };
  if (verdict.mode === "shadow" && verdict.decision === "deny") facts.would_deny = true;
  if (verdict.error !== undefined) facts.message = verdict.error;
  return facts;
}

/** One line saying why a request was refused, naming the rule. */
export function denyReason(verdict: Verdict, what: string): string {
  if (verdict.error !== undefined) return `leash: ${what} refused: ${verdict.error}`;
  if (verdict.rules.length > 0) {
    return `leash: ${what} denied by rule "${verdict.rules.join('", "')}"`;
  }
  return `leash: ${what} denied: no rule permits it (default deny)`;
}
