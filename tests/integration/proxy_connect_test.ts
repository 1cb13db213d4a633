/**
 * CONNECT is decided before it is answered (issue 9, class 8): a target the policy forbids
 * gets 403 and one that cannot be reached (unresolvable, the host's own address) gets 502, each
 * with a body naming the reason, never "200 Connection established" first.
 */
import assert from "node:assert/strict";
import { rawRequest } from "./_raw_http.ts";
import { portOf, startWorld } from "./_proxy_harness.ts";

const POLICY = `@id("everything")
permit (principal, action == Action::"NetworkConnect", resource);
@id("no-evil")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"evil.test");`;

Deno.test("proxy: CONNECT answers 403 or 502 with the reason, never 200 first, when it cannot go through", async () => {
  const w = await startWorld({ policy: POLICY, http: ["plain.test"], allowHostLocal: false });
  try {
    const port = portOf(w, "plain.test");
    const connect = (authority: string) =>
      rawRequest(w.explicit.port, "CONNECT", authority, { Host: authority });
    const forbidden = await connect("evil.test:443");
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.body, /CONNECT evil\.test:443 denied by rule "no-evil"/);
    const local = await connect(`127.0.0.1:${port}`);
    assert.equal(local.status, 502, local.body);
    assert.match(local.body, /is a loopback address of the host leash runs on/);
    const unknown = await connect("nowhere.invalid:443");
    assert.equal(unknown.status, 502, unknown.body);
    assert.match(unknown.body, /Cannot resolve "nowhere\.invalid"/);
    assert.deepEqual(w.upstreams.get("plain.test")!.seen, [], "the loopback upstream saw nothing");
    const failed = w.events.filter((e) => e.event === "net.connect" && e.error === true);
    assert.equal(failed.length, 2, JSON.stringify(w.events));
  } finally {
    await w.close();
  }
});
