import assert from "node:assert/strict";
import { cedarDecide, prepareCedar } from "./cedar_check.ts";
import { compilePolicy } from "./compile.ts";
import { DEFAULT_POLICY } from "./default_policy.ts";
import { parseRequestResource } from "./entities.ts";
import { decide } from "./match.ts";
import { generateRequests, Rng } from "./request_gen.ts";

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
      const resource = parseRequestResource(request.action, request.resource);
      const theirs = cedarDecide(ir, { action: request.action, resource }, {
        psetId,
        ...(request.context ? { context: request.context } : {}),
      });
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
