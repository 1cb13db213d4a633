import assert from "node:assert/strict";
import { compilePolicy, MAX_POLICY_BYTES } from "./compile.ts";
import { DEFAULT_POLICY } from "./default_policy.ts";
import { PolicyError } from "./errors.ts";
import { decide } from "./match.ts";

function errorsOf(text: string): string[] {
  try {
    compilePolicy(text, { file: "p.cedar" });
  } catch (error) {
    assert.ok(error instanceof PolicyError, String(error));
    return error.diagnostics.filter((d) => d.severity === "error").map((d) =>
      `${d.line}:${d.col}: ${d.message}`
    );
  }
  assert.fail("expected a PolicyError");
}

Deno.test("compilePolicy() locates every bad statement, not just the first", () => {
  const errors = errorsOf([
    'permit (principal, action == Action::"FileOpn", resource);',
    'permit (principal, action, resource in Dir::"etc/");',
    'permit (principal, action == Action::"NetworkConnect", resource in Host::"a.com:0");',
    'permit (principal, action == Action::"NetworkConnect", resource in Host::"10.0.0.0/33");',
    'permit (principal, action, resource in Widget::"x");',
    'forbid (principal == User::"bob", action, resource);',
    'permit (principal, action == Action::"NetworkConnect", resource) when { context.method == "GET" };',
    "permit (principal, action, resource) when { if true then true else false };",
  ].join("\n"));
  assert.deepEqual(errors.map((e) => e.split(":").slice(0, 2).join(":")), [
    "1:38",
    "2:45",
    "3:74",
    "4:74",
    "5:40",
    "6:9",
    "7:80",
    "8:45",
  ]);
  assert.match(errors[0] ?? "", /Unknown action "FileOpn"/);
  assert.match(errors[1] ?? "", /must be absolute/);
  assert.match(errors[2] ?? "", /port "0"/);
  assert.match(errors[3] ?? "", /prefix length/);
  assert.match(errors[4] ?? "", /Unknown entity type "Widget"/);
  assert.match(errors[5] ?? "", /principal/);
  assert.match(errors[6] ?? "", /context\.method for NetworkConnect/);
  assert.match(errors[7] ?? "", /if-then-else/);
});

Deno.test("compilePolicy() reports Cedar syntax errors at their line and column", () => {
  const errors = errorsOf(
    "permit (principal, action, resource);\npermit (principal, action,\n  resource) when { bogus token };",
  );
  assert.equal(errors.length, 1);
  assert.match(errors[0] ?? "", /^3:/);
});

Deno.test("compilePolicy() rejects empty, binary and oversized input with located errors", () => {
  assert.match(errorsOf("  // nothing\n")[0] ?? "", /^1:1: Policy is empty/);
  assert.match(errorsOf("\0\x01\x02garbage")[0] ?? "", /^1:1: Policy is not text/);
  const big = "permit (principal, action, resource);\n".repeat(
    Math.ceil((MAX_POLICY_BYTES + 10) / 38),
  );
  assert.match(errorsOf(big)[0] ?? "", /^1:1: Policy is too large/);
});

Deno.test("compilePolicy() warns about normalised dirs, shadowed permits, literal values and MCP permits", () => {
  const { warnings } = compilePolicy(
    [
      'permit (principal, action == Action::"FileOpen", resource in Dir::"/w");',
      'forbid (principal, action == Action::"FileOpen", resource in Dir::"/");',
      'permit (principal, action == Action::"HttpRewrite", resource in Host::"a.com") when { context.header == "h" && context.value == "v" };',
      'permit (principal, action == Action::"McpCall", resource == MCP::Tool::"t");',
    ].join("\n"),
    { file: "p.cedar" },
  );
  const text = warnings.map((w) => `${w.line}:${w.col}: ${w.message}`).join("\n");
  assert.match(text, /1:67: Dir "\/w" has no trailing slash/);
  assert.match(text, /1:1: permit "policy0-[0-9a-f]{8}" never allows anything/);
  assert.match(text, /3:\d+: HttpRewrite value is written in the policy file/);
  assert.match(text, /4:1: permit on McpCall/);
});

Deno.test("compilePolicy() is deterministic and uses @id or stable generated ids", () => {
  const text =
    '@id("ws")\npermit (principal, action == Action::"FileOpen", resource in Dir::"/w/");\nforbid (principal, action, resource in Dir::"/w/x/");';
  const a = compilePolicy(text);
  const b = compilePolicy("\n" + text.replace("forbid (", "forbid  ("));
  assert.equal(a.ir.rules[0]?.id, "ws");
  assert.equal(a.ir.rules[1]?.id, b.ir.rules[1]?.id);
  assert.equal(JSON.stringify(compilePolicy(text).ir), JSON.stringify(a.ir));
  assert.equal(a.ir.version, 1);
});

Deno.test("compilePolicy() rejects duplicate @id annotations", () => {
  const errors = errorsOf(
    '@id("x")\npermit (principal, action, resource);\n@id("x")\nforbid (principal, action, resource);',
  );
  assert.match(errors[0] ?? "", /^3:1: Duplicate rule id "x"/);
});

Deno.test("the default policy allows the workspace and system reads, and denies network", () => {
  const { ir, warnings } = compilePolicy(DEFAULT_POLICY);
  assert.deepEqual(warnings, []);
  assert.equal(
    decide(ir, { action: "FileOpenReadWrite", resource: "/workspace/src/a.ts" }).decision,
    "allow",
  );
  assert.equal(
    decide(ir, { action: "FileOpenReadOnly", resource: "/etc/passwd" }).decision,
    "allow",
  );
  assert.equal(
    decide(ir, { action: "FileOpenReadWrite", resource: "/etc/passwd" }).decision,
    "deny",
  );
  assert.equal(decide(ir, { action: "ProcessExec", resource: "/usr/bin/git" }).decision, "allow");
  assert.equal(decide(ir, { action: "ProcessExec", resource: "/workspace/evil" }).decision, "deny");
  assert.equal(
    decide(ir, { action: "NetworkConnect", resource: "example.com:443" }).decision,
    "deny",
  );
  assert.equal(decide(ir, { action: "NetworkConnect", resource: "1.1.1.1:53" }).decision, "deny");
});

Deno.test("decide() keeps /etc/passwd and /etc/passwd-x apart and lets forbid beat a deeper permit", () => {
  const { ir } = compilePolicy([
    '@id("pw") forbid (principal, action == Action::"FileOpen", resource == File::"/etc/passwd");',
    '@id("etc") permit (principal, action == Action::"FileOpen", resource in Dir::"/etc/");',
    '@id("deep") permit (principal, action == Action::"FileOpenReadWrite", resource in Dir::"/etc/passwd/");',
  ].join("\n"));
  assert.deepEqual(decide(ir, { action: "FileOpenReadOnly", resource: "/etc/passwd" }), {
    decision: "deny",
    rules: ["pw"],
    layer: "kernel-lsm",
  });
  assert.deepEqual(decide(ir, { action: "FileOpenReadOnly", resource: "/etc/passwd-x" }), {
    decision: "allow",
    rules: ["etc"],
    layer: "kernel-lsm",
  });
  assert.equal(
    decide(ir, { action: "FileOpenReadWrite", resource: "/etc/passwd" }).decision,
    "deny",
  );
});
