/** Evaluates requests with cedar-wasm itself, for cross-checking the IR matcher. */
import * as cedar from "cedar-wasm";
import {
  type CedarAnswer,
  cedarRequests,
  combineAnswers,
  type RequestResource,
} from "./entities.ts";
import type { ActionName, PolicyIr } from "./ir.ts";
import { splitStatements } from "./source.ts";

/** The policy text keyed by the compiler's rule ids (so Cedar reports the same ids). */
export function policiesById(text: string, ir: PolicyIr): Record<string, string> {
  const statements = splitStatements(text);
  if (statements.length !== ir.rules.length) {
    throw new Error(
      `Cannot map rules to statements: ${ir.rules.length} rules, ${statements.length} statements`,
    );
  }
  const policies: Record<string, string> = {};
  ir.rules.forEach((rule, i) => (policies[rule.id] = statements[i]?.text ?? ""));
  return policies;
}

/** Prepares `text` in cedar-wasm under `psetId` for {@linkcode cedarDecide}. */
export function prepareCedar(psetId: string, text: string, ir: PolicyIr): void {
  const prepared = cedar.preparsePolicySet(psetId, { staticPolicies: policiesById(text, ir) });
  if (prepared.type !== "success") {
    throw new Error(
      `Cannot prepare policy set in cedar-wasm: ${
        prepared.errors.map((e) => e.message).join("; ")
      }`,
    );
  }
}

/** Options for {@linkcode cedarDecide}. */
export interface CedarDecideOptions {
  /** A policy set prepared with {@linkcode prepareCedar}; else `policies` is used. */
  psetId?: string;
  /** Policies by id (from {@linkcode policiesById}) for unprepared evaluation. */
  policies?: Record<string, string>;
  context?: Record<string, string>;
}

/** Cedar's own answer to a leash request (combined over its Cedar requests). */
export function cedarDecide(
  ir: PolicyIr,
  request: { action: ActionName; resource: RequestResource },
  options: CedarDecideOptions,
): CedarAnswer {
  const answers = cedarRequests(ir, request.action, request.resource, options.context).map((r) => {
    const call = {
      principal: r.principal,
      action: r.action,
      resource: r.resource,
      context: r.context,
      entities: r.entities,
    };
    const answer = options.psetId !== undefined
      ? cedar.statefulIsAuthorized({ ...call, preparsedPolicySetId: options.psetId })
      : cedar.isAuthorized({ ...call, policies: { staticPolicies: options.policies ?? {} } });
    if (answer.type !== "success") {
      throw new Error(
        `Cannot evaluate with cedar-wasm: ${answer.errors.map((e) => e.message).join("; ")}`,
      );
    }
    return { decision: answer.response.decision, reason: answer.response.diagnostics.reason };
  });
  return combineAnswers(answers);
}
