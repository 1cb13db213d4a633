import assert from "node:assert/strict";
import { maskedOutcome } from "./mask_events.ts";

const open = (path: string, errno: number | undefined, wouldDeny = true) => ({
  event: "file.open",
  layer: "observe",
  decision: "allow",
  would_deny: wouldDeny,
  rule: "no-ssh",
  path,
  ...(errno === undefined ? {} : { errno }),
});

Deno.test("maskedOutcome() calls a failed open beneath a mask a deny, naming the mask", () => {
  assert.deepEqual(maskedOutcome(open("/root/.ssh/id_rsa", 2), ["/root/.ssh"]), {
    ...open("/root/.ssh/id_rsa", 2),
    decision: "deny",
    message: 'refused by the mask over forbidden "/root/.ssh"',
  });
  assert.equal(maskedOutcome(open("/root/.ssh", 30), ["/root/.ssh"]).decision, "deny");
});

Deno.test("maskedOutcome() leaves successful opens, other paths, name prefixes and allowed paths alone", () => {
  const masked = ["/root/.ssh"];
  for (
    const event of [
      open("/root/.ssh/x", undefined),
      open("/root/.ssh2/x", 2),
      open("/root/other", 2),
      open("/root/.ssh/x", 2, false),
      { event: "proc.exec", decision: "allow", would_deny: true, errno: 2, path: "/root/.ssh/x" },
    ]
  ) assert.deepEqual(maskedOutcome(event, masked), event);
});
