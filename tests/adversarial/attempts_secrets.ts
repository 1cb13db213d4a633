/**
 * Secret attempts (http session; issue 9 class 5). echo.test gets API_KEY injected as
 * X-Api-Key (`adv-inject`) and reflects it: in the body, a header, one byte per chunk, gzip,
 * over h2, in a WebSocket frame, on a later response of another host, in a redirect's Location.
 * Passing: the value is nowhere in what the agent saw, nor in any file leash wrote — and the
 * upstream did receive it (so the attempt really had a secret to reflect).
 */
import assert from "node:assert/strict";
import type { Attempt, Outcome } from "./_attempt.ts";
import { noSecret } from "./_judges.ts";

const CURL = "curl -sS -m 10";

/** echo.test received the secret on the attempt's request (the reflection was real). */
function injected(o: Outcome, tag: string): void {
  const got = o.upstreams.get("echo.test")!.hits(tag).map((r) => r.headers["x-api-key"]);
  assert.ok(got.includes(o.secret), `echo.test never received the secret for ${tag}:\n${o.out}`);
}

/** No file of the session directory (target.log, events, ...) holds the value. */
function noSecretInFiles(o: Outcome): void {
  for (const [path, text] of o.files) {
    assert.ok(!text.includes(o.secret), `${path} holds the secret value`);
  }
}

const REFLECTIONS: [string, string][] = [
  ["reflect-body", `${CURL} https://echo.test:$PE/echo-$TAG`],
  ["reflect-header", `${CURL} -i https://echo.test:$PE/echo-$TAG`],
  ["reflect-split-chunks", `${CURL} --http1.1 https://echo.test:$PE/split-$TAG`],
  ["reflect-gzip", `${CURL} --compressed https://echo.test:$PE/gzip-$TAG`],
  [
    "reflect-gzip-raw",
    `${CURL} -H 'Accept-Encoding: gzip' https://echo.test:$PE/gzip-$TAG | gzip -dc`,
  ],
  ["reflect-h2", `${CURL} -i --http2 https://echo.test:$PE/echo-$TAG`],
  ["reflect-transparent", `${CURL} -i --noproxy '*' https://echo.test:$PE/echo-$TAG`],
  ["reflect-split-h2", `${CURL} --http2 https://echo.test:$PE/split-$TAG`],
];

/** The reflection attempts. */
export function secretAttempts(): Attempt[] {
  const rows = REFLECTIONS.map(([name, sh]): Attempt => ({
    class: "reflection",
    name,
    session: "http",
    sh: `${sh} 2>&1`,
    judge: (o) => {
      injected(o, name);
      noSecret(o);
      noSecretInFiles(o);
    },
  }));
  rows.push(
    {
      class: "reflection",
      name: "reflect-websocket",
      session: "http",
      sh: `adv ws wss://echo.test:$PE/ws-$TAG echo.test:$PE`,
      judge: (o) => {
        assert.match(o.out, /^status 101/, o.out);
        noSecret(o);
        noSecretInFiles(o);
      },
    },
    {
      class: "reflection",
      name: "reflect-later-other-host",
      session: "http",
      // echo.test stores the key it got; allowed.test (no injection) hands it back later.
      sh:
        `${CURL} https://echo.test:$PE/store-$TAG && ${CURL} https://allowed.test:$PA/recall-$TAG`,
      judge: (o) => {
        injected(o, "reflect-later-other-host");
        assert.match(o.out, /recalled=/, o.out);
        noSecret(o);
        noSecretInFiles(o);
      },
    },
    {
      class: "redirect",
      name: "redirect-secret-location",
      session: "http",
      // The Location carries the key; following it would hand the key to allowed.test's path.
      sh:
        `${CURL} -L -i "https://echo.test:$PE/redirect?to=https://allowed.test:$PA/leak-$TAG?k=%7Bkey%7D" 2>&1`,
      judge: (o) => {
        const leaked = o.upstreams.get("allowed.test")!.requests.filter((r) =>
          r.path.includes(o.secret)
        );
        assert.deepEqual(leaked, [], "allowed.test received the secret in a followed redirect");
        noSecret(o);
        noSecretInFiles(o);
      },
    },
    {
      class: "reflection",
      name: "secret-not-in-agent-env",
      session: "http",
      sh: `env; cat /proc/1/environ 2>&1 | tr '\\0' '\\n'`,
      judge: (o) => {
        noSecret(o);
        noSecretInFiles(o);
      },
    },
  );
  return rows;
}
