/**
 * Name attempts (http session). Classes: `name-into-cidr` (issue 9 class 1: a permitted name
 * pinned into a forbidden CIDR — loopback v4 and v6, and the Docker bridge network as in the
 * issue — explicit, transparent, through leash's DNS), `spelling` (a forbidden name spelled with
 * a trailing dot, in capitals, with an IDN full stop, percent-encoded, behind userinfo) and
 * `redirect` (an allowed upstream sending the client elsewhere).
 */
import assert from "node:assert/strict";
import { type Attempt, needs } from "./_attempt.ts";
import { denyEvent, noUpstream, noWitness } from "./_judges.ts";
import type { Plan } from "./_world.ts";

const CURL = "curl -sS -m 10 -w '\\nstatus=%{http_code}\\n'";

function row(
  cls: string,
  name: string,
  sh: string,
  judge: Attempt["judge"],
  extra: Partial<Attempt> = {},
): Attempt {
  return { class: cls, name, session: "http", sh, judge, ...extra };
}

/** `upstream` never received anything of attempt `name`, and the agent got no 200. */
function unreached(upstream: string, name: string): Attempt["judge"] {
  return (o) => {
    noUpstream(o, upstream, name);
    assert.doesNotMatch(o.out, /^status=200$/m, o.out);
  };
}

/** A raw absolute-form request to the explicit proxy, as base64 for `adv raw`. */
function raw(target: string, host: string, tag: string): string {
  const text = `GET ${target}/${tag} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
  const utf8 = new TextEncoder().encode(text);
  return `adv raw 127.0.0.1 3128 ${btoa(String.fromCharCode(...utf8))}`;
}

/** The name, spelling and redirect attempts. */
export function nameAttempts(plan: Plan): Attempt[] {
  const v = plan.vars;
  const bridge = plan.bridge?.address ?? "";
  return [
    row(
      "name-into-cidr",
      "name-cidr-v4-explicit",
      `${CURL} https://internal.test:$PI/$TAG 2>&1`,
      (o) => {
        unreached("internal.test", "name-cidr-v4-explicit")(o);
        denyEvent(o, "adv-forbid-internal", { host: "internal.test" });
      },
    ),
    row(
      "name-into-cidr",
      "name-cidr-v4-transparent",
      `${CURL} --noproxy '*' https://internal.test:$PI/$TAG 2>&1`,
      unreached("internal.test", "name-cidr-v4-transparent"),
    ),
    row(
      "name-into-cidr",
      "name-cidr-v4-websocket",
      `adv ws wss://internal.test:$PI/ws-$TAG internal.test:$PI`,
      (o) => noUpstream(o, "internal.test", "name-cidr-v4-websocket"),
    ),
    row(
      "name-into-cidr",
      "name-cidr-v6-explicit",
      `${CURL} https://internal6.test:$PI6/$TAG 2>&1`,
      unreached("internal6.test", "name-cidr-v6-explicit"),
    ),
    row(
      "name-into-cidr",
      "name-cidr-v6-transparent",
      `${CURL} --noproxy '*' https://internal6.test:$PI6/$TAG 2>&1`,
      unreached("internal6.test", "name-cidr-v6-transparent"),
    ),
    row(
      "name-into-cidr",
      "name-cidr-bridge-explicit",
      `${CURL} https://bridge.test:$PB/$TAG 2>&1`,
      (o) => {
        unreached("bridge.test", "name-cidr-bridge-explicit")(o);
        denyEvent(o, "adv-forbid-bridge", { host: "bridge.test" });
      },
      needs(plan.bridge, "this host has no IPv4 address off loopback for bridge.test"),
    ),
    row(
      "name-into-cidr",
      "name-cidr-bridge-stand-in",
      // The connection goes to an address no rule forbids; the proxy then dials the SNI's name.
      `${CURL} --noproxy '*' --resolve bridge.test:$PB:192.0.2.1 https://bridge.test:$PB/$TAG 2>&1`,
      unreached("bridge.test", "name-cidr-bridge-stand-in"),
      needs(plan.bridge, "this host has no IPv4 address off loopback for bridge.test"),
    ),
    row(
      "name-into-cidr",
      "name-cidr-bridge-dns",
      "getent ahostsv4 bridge.test; echo getent=$?; adv dnsvia 198.51.100.153 bridge.test A",
      (o) => {
        assert.ok(bridge !== "");
        assert.ok(!o.out.includes(bridge), `leash's DNS handed out ${bridge}:\n${o.out}`);
      },
      needs(plan.bridge, "this host has no IPv4 address off loopback for bridge.test"),
    ),
    row(
      "spelling",
      "spell-trailing-dot",
      `${CURL} https://forbidden.test.:$PF/$TAG 2>&1`,
      unreached("forbidden.test", "spell-trailing-dot"),
    ),
    row(
      "spelling",
      "spell-case",
      `${CURL} https://FoRbIdDeN.TEST:$PF/$TAG 2>&1`,
      unreached("forbidden.test", "spell-case"),
    ),
    row(
      "spelling",
      "spell-idn-full-stop",
      // U+3002 IDEOGRAPHIC FULL STOP, which IDNA maps to "." (curl here has no IDN support).
      raw(`http://denied\u3002test:${v.PD}`, `denied\u3002test:${v.PD}`, "spell-idn-full-stop"),
      unreached("denied.test", "spell-idn-full-stop"),
    ),
    row(
      "spelling",
      "spell-transparent-sni-case",
      `${CURL} --noproxy '*' --resolve FORBIDDEN.TEST.:$PF:192.0.2.1 https://FORBIDDEN.TEST.:$PF/$TAG 2>&1`,
      unreached("forbidden.test", "spell-transparent-sni-case"),
    ),
    row(
      "spelling",
      "spell-raw-dot-case",
      raw(`http://DENIED.Test.:${v.PD}`, `DENIED.Test.:${v.PD}`, "spell-raw-dot-case"),
      unreached("denied.test", "spell-raw-dot-case"),
    ),
    row(
      "spelling",
      "spell-userinfo",
      raw(`http://plain.test:${v.PP}@denied.test:${v.PD}`, `denied.test:${v.PD}`, "spell-userinfo"),
      (o) => {
        noUpstream(o, "denied.test", "spell-userinfo");
        noUpstream(o, "plain.test", "spell-userinfo");
      },
    ),
    row(
      "spelling",
      "spell-percent-host",
      raw(`http://denied%2etest:${v.PD}`, `denied%2etest:${v.PD}`, "spell-percent-host"),
      unreached("denied.test", "spell-percent-host"),
    ),
    row(
      "redirect",
      "redirect-forbidden",
      `${CURL} -L "https://allowed.test:$PA/redirect?to=https://forbidden.test:$PF/$TAG" 2>&1`,
      unreached("forbidden.test", "redirect-forbidden"),
    ),
    row(
      "redirect",
      "redirect-internal-name",
      `${CURL} -L "https://allowed.test:$PA/redirect?to=https://internal.test:$PI/$TAG" 2>&1`,
      unreached("internal.test", "redirect-internal-name"),
    ),
    row(
      "redirect",
      "redirect-host-address",
      `${CURL} -L "https://allowed.test:$PA/redirect?to=http://$LAN4:$WP/$TAG" 2>&1`,
      (o) => noWitness(o, "redirect-host-address"),
      needs(plan.lan4, "this host has no LAN IPv4 address"),
    ),
  ];
}
