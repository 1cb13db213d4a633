/**
 * Request-routing attempts (http session). Classes: `fronting` (issue 9 class 3: Host /
 * `:authority` / WebSocket Host / absolute URI differing from the TLS server name or CONNECT
 * target, on the first and on a later request of a keep-alive or multiplexed connection),
 * `smuggling` (Content-Length / Transfer-Encoding disagreements hiding a second request for a
 * forbidden host), `h2c` (cleartext HTTP/2 the proxy cannot inspect).
 */
import assert from "node:assert/strict";
import type { Attempt, Outcome } from "./_attempt.ts";
import { noUpstream, statusIn } from "./_judges.ts";
import type { Plan } from "./_world.ts";

const CURL = "curl -sS -m 10";
const STATUS = `-w '\\nstatus=%{http_code}\\n'`;

function row(cls: string, name: string, sh: string, judge: Attempt["judge"]): Attempt {
  return { class: cls, name, session: "http", sh, judge };
}

/** `upstream` got no request of `tag` that named `foreign` as its authority. */
function notFronted(o: Outcome, upstream: string, tag: string, foreign: string): void {
  const fronted = o.upstreams.get(upstream)!.hits(tag).filter((r) =>
    r.authority.includes(foreign) || (r.headers.host ?? "").includes(foreign)
  );
  assert.deepEqual(fronted, [], `${upstream} served a request for ${foreign}:\n${o.out}`);
}

/** Refused with 421 or 403, and allowed.test served nothing for forbidden.test. */
function frontJudge(name: string, key = "status"): Attempt["judge"] {
  return (o) => {
    notFronted(o, "allowed.test", name, "forbidden");
    noUpstream(o, "forbidden.test", name);
    statusIn(o, [421, 403], key);
  };
}

/** Plain HTTP: denied.test got nothing and plain.test served nothing for denied.test. */
function plainFrontJudge(name: string): Attempt["judge"] {
  return (o) => {
    noUpstream(o, "denied.test", name);
    notFronted(o, "plain.test", name, "denied");
  };
}

function b64(text: string): string {
  return btoa(text);
}

/** The smuggling payloads: a permitted POST hiding a GET for denied.test. */
function smuggling(plan: Plan): [string, string][] {
  const pp = plan.vars.PP!;
  const pd = plan.vars.PD!;
  const hidden = (tag: string) =>
    `GET http://denied.test:${pd}/${tag}-hidden HTTP/1.1\r\nHost: denied.test:${pd}\r\n\r\n`;
  const post = (tag: string, headers: string, body: string) =>
    `POST http://plain.test:${pp}/${tag} HTTP/1.1\r\nHost: plain.test:${pp}\r\n${headers}\r\n${body}`;
  const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n0\r\n\r\n`;
  const cases: [string, (tag: string) => string][] = [
    ["smuggle-cl-te", (t) => {
      const body = `0\r\n\r\n${hidden(t)}`;
      return post(t, `Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n`, body);
    }],
    ["smuggle-te-cl", (t) => {
      const body = chunk(hidden(t));
      return post(t, `Transfer-Encoding: chunked\r\nContent-Length: 3\r\n`, body);
    }],
    ["smuggle-te-obfuscated", (t) => {
      const body = chunk(hidden(t));
      return post(t, `Transfer-Encoding: xchunked\r\nTransfer-Encoding : chunked\r\n`, body);
    }],
    ["smuggle-double-cl", (t) => {
      const body = hidden(t);
      return post(t, `Content-Length: 0\r\nContent-Length: ${body.length}\r\n`, body);
    }],
    [
      "smuggle-bare-lf",
      (t) =>
        `GET http://plain.test:${pp}/${t} HTTP/1.1\nHost: plain.test:${pp}\nContent-Length: 0\n\n${
          hidden(t)
        }`,
    ],
  ];
  return cases.map(([name, make]) => [name, make(name)]);
}

/** The fronting, smuggling and h2c attempts. */
export function frontAttempts(plan: Plan): Attempt[] {
  const pp = plan.vars.PP!;
  const pd = plan.vars.PD!;
  return [
    row(
      "fronting",
      "front-h1-host",
      `${CURL} ${STATUS} --http1.1 -H "Host: forbidden.test:$PF" https://allowed.test:$PA/$TAG 2>&1`,
      frontJudge("front-h1-host"),
    ),
    row(
      "fronting",
      "front-h2-authority",
      `${CURL} ${STATUS} --http2 -H "Host: forbidden.test:$PF" https://allowed.test:$PA/$TAG 2>&1`,
      frontJudge("front-h2-authority"),
    ),
    row(
      "fronting",
      "front-transparent-host",
      `${CURL} ${STATUS} --noproxy '*' -H "Host: forbidden.test:$PF" https://allowed.test:$PA/$TAG 2>&1`,
      frontJudge("front-transparent-host"),
    ),
    row(
      "fronting",
      "front-h1-keepalive-second",
      `${CURL} --http1.1 -w 'first=%{http_code}\\n' https://allowed.test:$PA/$TAG-1 --next -sS -m 10 --http1.1 ${STATUS} -H "Host: forbidden.test:$PF" https://allowed.test:$PA/$TAG-2 2>&1`,
      (o) => {
        assert.match(o.out, /^first=200$/m, o.out);
        frontJudge("front-h1-keepalive-second")(o);
      },
    ),
    row(
      "fronting",
      "front-h2-multiplexed-second",
      `adv h2 https://allowed.test:$PA "allowed.test:$PA|/$TAG-1" "forbidden.test:$PF|/$TAG-2"`,
      (o) => {
        const [one = "", two = ""] = o.out.split("\n");
        assert.match(one, /^status 200/, o.out);
        assert.match(two, /^(status (421|403)|error|closed)/, o.out);
        notFronted(o, "allowed.test", "front-h2-multiplexed-second", "forbidden");
        noUpstream(o, "forbidden.test", "front-h2-multiplexed-second");
      },
    ),
    row(
      "fronting",
      "front-websocket-host",
      `adv ws wss://allowed.test:$PA/ws-$TAG forbidden.test:$PF`,
      (o) => {
        assert.match(o.out, /^status (421|403)|^error/, o.out);
        notFronted(o, "allowed.test", "front-websocket-host", "forbidden");
      },
    ),
    row(
      "fronting",
      "front-websocket-plain",
      `adv ws ws://plain.test:$PP/ws-$TAG denied.test:$PD`,
      plainFrontJudge("front-websocket-plain"),
    ),
    row(
      "fronting",
      "front-connect-sni",
      `adv connectsni 3128 allowed.test:$PA forbidden.test /$TAG forbidden.test:$PF`,
      (o) => {
        noUpstream(o, "allowed.test", "front-connect-sni");
        noUpstream(o, "forbidden.test", "front-connect-sni");
      },
    ),
    row(
      "fronting",
      "front-connect-host",
      `adv connectsni 3128 allowed.test:$PA allowed.test /$TAG forbidden.test:$PF`,
      (o) => {
        assert.match(o.out, /response HTTP\/1\.1 (421|403)/, o.out);
        notFronted(o, "allowed.test", "front-connect-host", "forbidden");
      },
    ),
    row(
      "fronting",
      "front-absolute-uri-host",
      `adv raw 127.0.0.1 3128 ${
        b64(
          `GET http://plain.test:${pp}/front-absolute-uri-host HTTP/1.1\r\nHost: denied.test:${pd}\r\nConnection: close\r\n\r\n`,
        )
      }`,
      plainFrontJudge("front-absolute-uri-host"),
    ),
    row(
      "fronting",
      "front-absolute-uri-reverse",
      `adv raw 127.0.0.1 3128 ${
        b64(
          `GET http://denied.test:${pd}/front-absolute-uri-reverse HTTP/1.1\r\nHost: plain.test:${pp}\r\nConnection: close\r\n\r\n`,
        )
      }`,
      (o) => {
        plainFrontJudge("front-absolute-uri-reverse")(o);
        noUpstream(o, "plain.test", "front-absolute-uri-reverse");
      },
    ),
    row(
      "fronting",
      "front-plain-keepalive-second",
      `adv raw 127.0.0.1 3128 ${
        b64(
          `GET http://plain.test:${pp}/front-plain-keepalive-second-1 HTTP/1.1\r\nHost: plain.test:${pp}\r\n\r\n` +
            `GET /front-plain-keepalive-second-2 HTTP/1.1\r\nHost: denied.test:${pd}\r\nConnection: close\r\n\r\n`,
        )
      }`,
      plainFrontJudge("front-plain-keepalive-second"),
    ),
    row(
      "fronting",
      "front-plain-transparent-host",
      `${CURL} ${STATUS} --noproxy '*' -H "Host: denied.test:$PD" http://plain.test:$PP/$TAG 2>&1`,
      plainFrontJudge("front-plain-transparent-host"),
    ),
    ...smuggling(plan).map(([name, text]) =>
      row("smuggling", name, `adv raw 127.0.0.1 3128 ${b64(text)}`, (o) => {
        noUpstream(o, "denied.test", name);
        noUpstream(o, "plain.test", `${name}-hidden`);
      })
    ),
    row(
      "h2c",
      "h2c-prior-knowledge",
      `adv h2c plain.test $PP "plain.test:$PP|/$TAG-1" "denied.test:$PD|/$TAG-2"`,
      (o) => {
        noUpstream(o, "denied.test", "h2c-prior-knowledge");
        notFronted(o, "plain.test", "h2c-prior-knowledge", "denied");
      },
    ),
    row(
      "h2c",
      "h2c-upgrade",
      `${CURL} ${STATUS} --http2 http://plain.test:$PP/$TAG 2>&1`,
      (o) => {
        // The proxy cannot inspect h2c: an Upgrade to it must not reach the upstream.
        const upgraded = o.upstreams.get("plain.test")!.hits("h2c-upgrade").filter((r) =>
          /h2c/i.test(r.headers.upgrade ?? "")
        );
        assert.deepEqual(upgraded, [], o.out);
      },
    ),
  ];
}
