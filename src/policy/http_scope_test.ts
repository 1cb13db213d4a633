import assert from "node:assert/strict";
import { compilePolicy } from "./compile.ts";
import { httpRuleFor } from "./http_scope.ts";

const CONNECT =
  `@id("c") permit (principal, action == Action::"NetworkConnect", resource in Host::"*.test");\n`;

function ruleFor(policy: string, resource: string): string | undefined {
  return httpRuleFor(compilePolicy(CONNECT + policy).ir, resource);
}

Deno.test("httpRuleFor() names a path rule of the host, on any port", () => {
  const p =
    `@id("p") forbid (principal, action == Action::"HttpRequest", resource in Host::"a.test")
    when { context.path like "/admin*" };`;
  assert.equal(ruleFor(p, "a.test:443"), "p");
  assert.equal(ruleFor(p, "a.test:8443"), "p");
  assert.equal(ruleFor(p, "b.test:443"), undefined);
});

Deno.test("httpRuleFor() counts header injections and rules for every host", () => {
  const rw =
    `@id("rw") permit (principal, action == Action::"HttpRewrite", resource in Host::"*.api.test")
    when { context.header == "X-Key" && context.secret == "K" };`;
  assert.equal(ruleFor(rw, "v1.api.test:443"), "rw");
  assert.equal(ruleFor(rw, "api2.test:443"), undefined);
  const any = `@id("any") forbid (principal, action == Action::"HttpRequest", resource)
    when { context.method == "DELETE" };`;
  assert.equal(ruleFor(any, "x.test:80"), "any");
  assert.equal(ruleFor(any, "192.0.2.1:80"), "any");
});

Deno.test("httpRuleFor() follows conditions on the resource: negation, CIDR, port", () => {
  const not = `@id("n") forbid (principal, action == Action::"HttpRequest", resource)
    when { !(resource in Host::"a.test") && context.path == "/x" };`;
  assert.equal(ruleFor(not, "a.test:443"), undefined);
  assert.equal(ruleFor(not, "b.test:443"), "n");
  const cidr =
    `@id("cidr") forbid (principal, action == Action::"HttpRequest", resource in Host::"10.0.0.0/8")
    when { context.path == "/x" };`;
  assert.equal(ruleFor(cidr, "10.1.2.3:443"), "cidr");
  assert.equal(ruleFor(cidr, "192.0.2.1:443"), undefined);
  const port =
    `@id("port") forbid (principal, action == Action::"HttpRequest", resource in Host::"a.test:8080")
    when { context.path == "/x" };`;
  assert.equal(ruleFor(port, "a.test:8080"), "port");
  assert.equal(ruleFor(port, "a.test:443"), undefined);
});

Deno.test("httpRuleFor() ignores connection rules", () => {
  assert.equal(ruleFor("", "a.test:443"), undefined);
});
