/**
 * Path-rule attempts (http session; issue 9 class 4). paths.test forbids `/admin*`
 * (`adv-no-admin`); each attempt spells `/admin/<name>` another way that an origin normalises
 * back to it, over HTTP/1.1, HTTP/2, the transparent path and a WebSocket upgrade. Passing:
 * paths.test never receives the request and the agent gets 403 (or 400 for `%2f`).
 */
import assert from "node:assert/strict";
import type { Attempt } from "./_attempt.ts";
import { denyEvent, noUpstream, statusIn } from "./_judges.ts";

const CURL = "curl -sS -m 10 --path-as-is -w '\\nstatus=%{http_code}\\n'";

const SPELLINGS: [string, string, string][] = [
  ["path-plain", "", "/admin/$TAG"],
  ["path-dotdot", "", "/x/../admin/$TAG"],
  ["path-double-slash", "", "//admin/$TAG"],
  ["path-dot-segment", "", "/./admin/$TAG"],
  ["path-pct-letter", "", "/%61dmin/$TAG"],
  ["path-pct-dot", "", "/%2e/admin/$TAG"],
  ["path-pct-dotdot", "", "/x/%2e%2e/admin/$TAG"],
  ["path-pct-2f", "", "/x%2f..%2fadmin/$TAG"],
  ["path-h2-dotdot", "--http2", "/x/../admin/$TAG"],
  ["path-h2-pct-letter", "--http2", "/%61dmin/$TAG"],
  ["path-transparent-dotdot", "--noproxy '*'", "/x/../admin/$TAG"],
];

/** The path attempts. */
export function pathAttempts(): Attempt[] {
  const rows = SPELLINGS.map(([name, flags, path]): Attempt => ({
    class: "path-rule",
    name,
    session: "http",
    sh: `${CURL} ${flags} "https://paths.test:$PX${path}" 2>&1`,
    judge: (o) => {
      noUpstream(o, "paths.test", name);
      statusIn(o, [403, 400]);
      if (name === "path-plain") {
        denyEvent(o, "adv-no-admin", { event: "http.request", host: "paths.test" });
      }
    },
  }));
  rows.push({
    class: "path-rule",
    name: "path-websocket-dotdot",
    session: "http",
    sh: `adv ws "wss://paths.test:$PX/" "paths.test:$PX" "/x/../admin/$TAG"`,
    judge: (o) => {
      noUpstream(o, "paths.test", "path-websocket-dotdot");
      assert.match(o.out, /^status (403|400)|^error/, o.out);
    },
  });
  return rows;
}
