import assert from "node:assert/strict";
import { parseProbeOutput } from "./probe.ts";

Deno.test("parseProbeOutput() keeps per-type results and maps booleans", () => {
  assert.deepEqual(parseProbeOutput('{"lsm":"EPERM","cgroup":"ok","btf":true}', 0, ""), {
    ran: true,
    results: { lsm: "EPERM", cgroup: "ok", btf: "ok" },
  });
});

Deno.test("parseProbeOutput() reports a crash with the last stderr line", () => {
  const facts = parseProbeOutput("", 139, "loading\nsegfault in loader\n");
  assert.deepEqual(facts, {
    ran: false,
    reason: "leash-helper probe exited 139 without JSON: segfault in loader",
    fix: "",
  });
});
