import assert from "node:assert/strict";
import { isLifelineName, LIFELINE_NAME_MAX, newLifelineName } from "./lifeline.ts";

Deno.test("newLifelineName() makes a valid name that differs per call", () => {
  const a = newLifelineName();
  assert.match(a, /^leash-lifeline-[0-9a-f]{32}$/);
  assert.ok(isLifelineName(a));
  assert.notEqual(newLifelineName(), a);
});

Deno.test("isLifelineName() takes 1 to 100 characters of [A-Za-z0-9._-] only", () => {
  assert.ok(isLifelineName("a"));
  assert.ok(isLifelineName("x".repeat(LIFELINE_NAME_MAX)));
  assert.ok(!isLifelineName(""));
  assert.ok(!isLifelineName("x".repeat(LIFELINE_NAME_MAX + 1)));
  for (const bad of ["a b", "a/b", "a\0b", "é", "a\n"]) assert.ok(!isLifelineName(bad), bad);
});
