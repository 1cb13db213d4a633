import assert from "node:assert/strict";
import { explainExit, managerDiedInSteady, requiredMissing } from "./host_errors.ts";
import { ManagerExit, TargetExit } from "./host_util.ts";
import { BootError } from "./boot_error.ts";

const tails = { "target.log": "cp: cannot stat\nexit", "manager.log": "" };
const tail = (log: "target.log" | "manager.log") => Promise.resolve(tails[log]);

Deno.test("explainExit() names the target's status, leash-entry's meaning and its last output", async () => {
  const error = await explainExit(new TargetExit(113), "bootstrap", tail);
  assert.ok(error instanceof BootError);
  assert.equal(error.phase, "bootstrap");
  assert.equal(
    error.message,
    "Cannot start the session: the target exited with status 113 during bootstrap (leash-entry: CA install failed); its last output:\ncp: cannot stat\nexit",
  );
});

Deno.test("explainExit() leaves out the meaning of the command's own status and an empty log", async () => {
  const error = await explainExit(new ManagerExit(2), "manager", tail);
  assert.ok(error instanceof BootError);
  assert.equal(
    error.message,
    "Cannot start the session: the manager exited with status 2 during manager",
  );
  const other = new TypeError("x");
  assert.equal(await explainExit(other, "entry", tail), other);
});

Deno.test("managerDiedInSteady() points at the manager's log when it left no output", () => {
  const error = managerDiedInSteady(1, "", "/s/logs/manager.log");
  assert.equal(error.phase, "steady");
  assert.match(
    error.message,
    /status 1 after enforcement started; .*\(fail closed\); see \/s\/logs\/manager\.log$/,
  );
});

Deno.test("requiredMissing() names each missing layer and why it is off", () => {
  const error = requiredMissing([
    { name: "kernel-lsm", status: "off", reason: "EPERM" },
    { name: "landlock", status: "degraded", reason: "2 approximation(s)" },
  ]);
  assert.equal(error.phase, "activation");
  assert.equal(
    error.message,
    'Cannot start the session: --require "kernel-lsm", "landlock" not active: kernel-lsm: EPERM; landlock: 2 approximation(s)',
  );
});
