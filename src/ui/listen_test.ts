import assert from "node:assert/strict";
import { checkExposure, hostMatches, parseListen } from "./listen.ts";

Deno.test("parseListen() takes IPv4, bracketed IPv6 and localhost, and refuses names", () => {
  assert.deepEqual(parseListen("127.0.0.1:18080"), { hostname: "127.0.0.1", port: 18080 });
  assert.deepEqual(parseListen("[::1]:9"), { hostname: "::1", port: 9 });
  assert.deepEqual(parseListen("localhost:0"), { hostname: "localhost", port: 0 });
  assert.throws(() => parseListen("nope"), /Invalid --listen "nope": use HOST:PORT/);
  assert.throws(() => parseListen("127.0.0.1:70000"), /Invalid --listen/);
  assert.throws(() => parseListen("ui.example.com:80"), /must be an IP address or localhost/);
});

Deno.test("checkExposure() refuses a non-loopback default and warns when it was asked for", () => {
  assert.equal(checkExposure({ hostname: "127.0.0.1", port: 1 }, false), undefined);
  assert.equal(checkExposure({ hostname: "::1", port: 1 }, true), undefined);
  assert.throws(() => checkExposure({ hostname: "0.0.0.0", port: 1 }, false), /not a loopback/);
  assert.match(checkExposure({ hostname: "0.0.0.0", port: 1 }, true)!, /warning: .*0\.0\.0\.0:1/);
});

Deno.test("hostMatches() accepts only the listen address (and localhost on loopback)", () => {
  const loop = { hostname: "127.0.0.1", port: 18080 };
  assert.ok(hostMatches("127.0.0.1:18080", loop));
  assert.ok(hostMatches("localhost:18080", loop));
  assert.ok(!hostMatches("127.0.0.1", loop));
  assert.ok(!hostMatches("127.0.0.1:18081", loop));
  assert.ok(!hostMatches("rebind.example:18080", loop));
  assert.ok(!hostMatches(null, loop));
  const any = { hostname: "0.0.0.0", port: 80 };
  assert.ok(hostMatches("192.0.2.7:80", any));
  assert.ok(!hostMatches("rebind.example:80", any));
  assert.ok(!hostMatches("localhost:80", any));
  assert.ok(hostMatches("[::1]:5", { hostname: "::1", port: 5 }));
});
