/**
 * Policy benchmark (prints numbers, not a test): compiling a generated 1,000-statement
 * policy, and evaluating requests with the IR matcher vs cedar-wasm's prepared evaluation.
 * Usage: deno run -A scripts/bench/policy.ts [REQUESTS]   (default 1,000,000)
 */
import { compilePolicy } from "../../src/policy/compile.ts";
import { decideResource } from "../../src/policy/match.ts";
import {
  cedarRequests,
  parseRequestResource,
  type RequestResource,
} from "../../src/policy/entities.ts";
import * as cedar from "cedar-wasm";
import { prepareCedar } from "../../src/policy/cedar_check.ts";
import { generateRequests, Rng } from "../../src/policy/request_gen.ts";
import type { ActionName } from "../../src/policy/ir.ts";

const encoder = new TextEncoder();
/** Prints one line of results (a script's output, not a library's). */
function print(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

const REQUESTS = Number(Deno.args[0] ?? 1_000_000);
const CEDAR_SAMPLE = Math.min(REQUESTS, 5_000);

function generatedPolicy(statements: number): string {
  const rng = new Rng(1);
  const out: string[] = [];
  for (let i = 0; i < statements; i++) {
    const effect = rng.int(5) === 0 ? "forbid" : "permit";
    const kind = rng.int(3);
    if (kind === 0) {
      const action = rng.pick(["FileOpen", "FileOpenReadOnly", "FileOpenReadWrite"]);
      out.push(
        `${effect} (principal, action == Action::"${action}", resource in Dir::"/srv/p${
          rng.int(200)
        }/d${i}/");`,
      );
    } else if (kind === 1) {
      out.push(
        `${effect} (principal, action == Action::"ProcessExec", resource == File::"/opt/bin/tool${i}");`,
      );
    } else {
      out.push(
        `${effect} (principal, action == Action::"NetworkConnect", resource in Host::"h${i}.example${
          rng.int(50)
        }.com:443");`,
      );
    }
  }
  return out.join("\n") + "\n";
}

function time<T>(fn: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = fn();
  return { result, ms: performance.now() - start };
}

const text1000 = generatedPolicy(1000);
const warm = compilePolicy(text1000);
const compiled = time(() => compilePolicy(text1000));
print(
  `compile 1,000-statement policy (${text1000.length} bytes): ${compiled.ms.toFixed(1)} ms ` +
    `(${warm.ir.file.entries.length} file entries, ${warm.ir.rules.length} rules)`,
);

for (
  const [name, text] of [
    [
      "leash example",
      Deno.readTextFileSync(
        new URL("../../tests/fixtures/policies/leash_example.cedar", import.meta.url),
      ),
    ],
    ["generated 1,000 statements", text1000],
  ] as const
) {
  const { ir } = compilePolicy(text);
  const requests = generateRequests(ir, 10_000, new Rng(7)).flatMap((r) => {
    try {
      return [{
        action: r.action as ActionName,
        resource: parseRequestResource(r.action, r.resource),
        context: r.context ?? {},
      }];
    } catch {
      return [];
    }
  }) as { action: ActionName; resource: RequestResource; context: Record<string, string> }[];
  const ours = time(() => {
    let allowed = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const r = requests[i % requests.length]!;
      if (decideResource(ir, r.action, r.resource, r.context).decision === "allow") allowed++;
    }
    return allowed;
  });
  const psetId = `bench-${name}`;
  prepareCedar(psetId, text, ir);
  // Build Cedar's requests and entities up front so only cedar-wasm's evaluation is timed.
  const calls = requests.slice(0, CEDAR_SAMPLE).map((r) =>
    cedarRequests(ir, r.action, r.resource, r.context)
  );
  const theirs = time(() => {
    let allowed = 0;
    for (let i = 0; i < CEDAR_SAMPLE; i++) {
      for (const c of calls[i % calls.length]!) {
        const answer = cedar.statefulIsAuthorized({ ...c, preparsedPolicySetId: psetId });
        if (answer.type === "success" && answer.response.decision === "allow") allowed++;
      }
    }
    return allowed;
  });
  const oursPer = (ours.ms * 1e6) / REQUESTS;
  const theirsPer = (theirs.ms * 1e6) / CEDAR_SAMPLE;
  print(
    `\n${name}: ${requests.length} distinct generated requests (files, hosts, HTTP, MCP)`,
  );
  print(
    `  IR matcher:          ${REQUESTS.toLocaleString("en")} requests in ${
      ours.ms.toFixed(0)
    } ms = ${oursPer.toFixed(0)} ns/request`,
  );
  print(
    `  cedar-wasm prepared: ${CEDAR_SAMPLE.toLocaleString("en")} requests in ${
      theirs.ms.toFixed(0)
    } ms = ${theirsPer.toFixed(0)} ns/request (sampled; entities prebuilt)`,
  );
  print(`  ratio: the IR matcher is ${(theirsPer / oursPer).toFixed(0)}x faster`);
}
