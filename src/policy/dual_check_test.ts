import assert from "node:assert/strict";
import * as cedar from "cedar-wasm";
import { compilePolicy } from "./compile.ts";
import { DEFAULT_POLICY } from "./default_policy.ts";
import {
  type CedarAnswer,
  cedarRequests,
  combineAnswers,
  parseRequestResource,
} from "./entities.ts";
import { decide, type PolicyRequest } from "./match.ts";
import { generateRequests, Rng } from "./request_gen.ts";
import { splitStatements } from "./source.ts";
import type { PolicyIr } from "./ir.ts";

const FIXTURES = new URL("../../tests/fixtures/policies/", import.meta.url);
const REQUESTS_PER_POLICY = 1500;

function corpus(): { name: string; text: string }[] {
  const list = [{ name: "default", text: DEFAULT_POLICY }];
  for (const entry of Deno.readDirSync(FIXTURES)) {
    if (entry.isFile && entry.name.endsWith(".cedar")) {
      list.push({ name: entry.name, text: Deno.readTextFileSync(new URL(entry.name, FIXTURES)) });
    }
  }
  return list.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Evaluates a request with cedar-wasm on the prepared policy set `psetId`. */
function cedarDecide(ir: PolicyIr, psetId: string, request: PolicyRequest): CedarAnswer {
  const res = parseRequestResource(request.action, request.resource);
  const answers = cedarRequests(ir, request.action, res, request.context).map((r) => {
    const answer = cedar.statefulIsAuthorized({
      principal: r.principal,
      action: r.action,
      resource: r.resource,
      context: r.context,
      entities: r.entities,
      preparsedPolicySetId: psetId,
    });
    if (answer.type !== "success") throw new Error(JSON.stringify(answer.errors));
    return { decision: answer.response.decision, reason: answer.response.diagnostics.reason };
  });
  return combineAnswers(answers);
}

/** Prepares the policy set in cedar-wasm with the compiler's rule ids. */
export function prepareCedar(psetId: string, text: string, ir: PolicyIr): void {
  const statements = splitStatements(text);
  assert.equal(statements.length, ir.rules.length);
  const policies: Record<string, string> = {};
  ir.rules.forEach((rule, i) => (policies[rule.id] = statements[i]?.text ?? ""));
  const prepared = cedar.preparsePolicySet(psetId, { staticPolicies: policies });
  assert.equal(prepared.type, "success", JSON.stringify(prepared));
}

for (const { name, text } of corpus()) {
  Deno.test(`decide() agrees with cedar-wasm on ${REQUESTS_PER_POLICY} generated requests for ${name}`, () => {
    const { ir } = compilePolicy(text, { file: name });
    const psetId = `dual-${name}`;
    prepareCedar(psetId, text, ir);
    const rng = new Rng(0x1ea5e + name.length * 7919);
    const requests = generateRequests(ir, REQUESTS_PER_POLICY, rng);
    let allowed = 0;
    for (const request of requests) {
      let ours;
      try {
        ours = decide(ir, request);
      } catch (error) {
        assert.ok(error instanceof RangeError, String(error));
        continue;
      }
      const theirs = cedarDecide(ir, psetId, request);
      const label = JSON.stringify(request);
      assert.equal(ours.decision, theirs.decision, `decision for ${label}`);
      assert.deepEqual([...ours.rules].sort(), theirs.reason, `rules for ${label}`);
      if (ours.decision === "allow") allowed++;
    }
    assert.ok(
      allowed > 0 || name === "leash_mcp.cedar",
      "the generator reached no allowed request",
    );
  });
}
