import assert from "node:assert/strict";
import { compilePolicy, DEFAULT_POLICY } from "../policy/mod.ts";
import { withWorkspace } from "./workspace_policy.ts";

Deno.test("withWorkspace() makes the cwd read-write in the built-in policy, quotes and all", () => {
  const cwd = '/home/u/my "odd" proj';
  const { ir } = compilePolicy(withWorkspace(DEFAULT_POLICY, cwd));
  const entry = ir.file.entries.find((e) => e.path === `${cwd}/`);
  assert.ok(entry, "the workspace has its own entry");
  assert.equal(entry.write.decision, "allow");
  assert.equal(entry.read.decision, "allow");
  assert.equal(entry.exec.decision, "deny");
});
