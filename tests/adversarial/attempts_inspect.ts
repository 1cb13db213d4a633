/**
 * Inspection attempts (http session; issue 9, holes found after classes 1-5). `delayed-tls`: the
 * agent waits after CONNECT's 200 before its ClientHello (the proxy used to tunnel it raw after
 * 500 ms, so the agent did TLS with the upstream itself, past path rules, injection and the mask
 * stage); it accepts any certificate, as an attacker would. `client-tls`: `curl --http1.0`
 * through CONNECT used to end leash's host process (an uncaught TypeError in Deno's node:tls):
 * it runs last, alone, and must be served. (`h2c-upgrade` is in attempts_front.ts.)
 */
import assert from "node:assert/strict";
import type { Attempt, Outcome } from "./_attempt.ts";
import { field, noSecret, noUpstream, statusIn } from "./_judges.ts";

/** Longer than the proxy's old first-bytes wait (500 ms). */
const WAIT_MS = 1500;

/** The certificate the agent got was not the upstream's own (the proxy terminated TLS). */
function notUpstreamCert(o: Outcome): void {
  assert.match(o.out, /^issuer /m, o.out);
  assert.doesNotMatch(o.out, /^issuer leash adversarial upstream CA$/m, o.out);
}

/** The inspection attempts. */
export function inspectAttempts(): Attempt[] {
  return [
    {
      class: "delayed-tls",
      name: "delayed-tls-path",
      session: "http",
      sh: `adv connectsni 3128 paths.test:$PX paths.test /admin/$TAG paths.test:$PX ${WAIT_MS}`,
      judge: (o) => {
        noUpstream(o, "paths.test", "delayed-tls-path");
        notUpstreamCert(o);
        assert.match(o.out, /response HTTP\/1\.1 403 /, o.out);
      },
    },
    {
      class: "delayed-tls",
      name: "delayed-tls-secret",
      session: "http",
      sh: `adv connectsni 3128 echo.test:$PE echo.test /echo-$TAG echo.test:$PE ${WAIT_MS}`,
      judge: (o) => {
        // Injected (so the proxy saw the request), and nothing of it came back unmasked.
        const got = o.upstreams.get("echo.test")!.hits("delayed-tls-secret")
          .map((r) => r.headers["x-api-key"]);
        assert.ok(got.includes(o.secret), `echo.test got no injected key:\n${o.out}`);
        notUpstreamCert(o);
        noSecret(o);
      },
    },
    {
      class: "client-tls",
      name: "client-tls-http10",
      session: "http",
      serial: true,
      sh:
        `curl -sS -m 10 --http1.0 -w '\\nstatus=%{http_code}\\n' https://allowed.test:$PA/$TAG 2>&1; ` +
        `curl -sS -m 10 -w '\\nafter=%{http_code}\\n' https://allowed.test:$PA/$TAG-after 2>&1`,
      judge: (o) => {
        statusIn(o, [200]);
        assert.equal(field(o, "after"), "200", o.out);
        assert.equal(o.upstreams.get("allowed.test")!.hits("client-tls-http10").length, 2, o.out);
      },
    },
  ];
}
