import assert from "node:assert/strict";
import { editDistance, suggest } from "./suggest.ts";

Deno.test("editDistance() counts insertions, deletions and substitutions", () => {
  assert.equal(editDistance("doctor", "doctor"), 0);
  assert.equal(editDistance("docter", "doctor"), 1);
  assert.equal(editDistance("", "run"), 3);
  assert.equal(editDistance("kitten", "sitting"), 3);
});

Deno.test("suggest() proposes the closest command for a typo", () => {
  const commands = ["run", "doctor", "policy", "version"];
  assert.equal(suggest("docter", commands), "doctor");
  assert.equal(suggest("versoin", commands), "version");
  assert.equal(suggest("polcy", commands), "policy");
});

Deno.test("suggest() proposes nothing when no candidate is close", () => {
  assert.equal(suggest("zzzzzz", ["run", "doctor"]), undefined);
});

Deno.test("suggest() completes an unambiguous prefix", () => {
  assert.equal(suggest("--js", ["--json", "--help"]), "--json");
});
