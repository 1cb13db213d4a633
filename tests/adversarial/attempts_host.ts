/**
 * Attempts on the host itself and on addresses nobody named (net session: a broad permit of
 * every network this host is on). Classes: `host-reach` (issue 9 class 2: the host's own
 * addresses on every interface, v4, v6, link-local, v4-mapped), `loopback-spelling` (the host's
 * loopback in other spellings), `control-ui` (leash's UI from inside), `unnamed-address`
 * (class 8: refused at once, a refused CONNECT never answered 200 first), `deny-rule`.
 */
import assert from "node:assert/strict";
import type { Attempt } from "./_attempt.ts";
import { denyEvent, first, noWitness, refused, statusIn } from "./_judges.ts";
import { type Plan, urlHost } from "./_world.ts";

const CURL = "curl -sS -m 10";
/** Through the explicit proxy even for names NO_PROXY lists (localhost, 127.0.0.1, ::1). */
const VIA_PROXY = `${CURL} -x http://127.0.0.1:3128 --noproxy ''`;
const STATUS = `-w '\\nstatus=%{http_code}\\n'`;

function label(a: Plan["hostAddresses"][number]): string {
  return `${a.iface}-v${a.family}${a.linkLocal ? "-ll" : ""}`.toLowerCase().replace(
    /[^a-z0-9-]/g,
    "-",
  );
}

function hostReach(plan: Plan): Attempt[] {
  const out: Attempt[] = [];
  for (const a of plan.hostAddresses) {
    const l = label(a);
    const witnessed = (tag: string) => (o: Parameters<Attempt["judge"]>[0]) => noWitness(o, tag);
    out.push({
      class: "host-reach",
      name: `host-tcp-${l}`,
      session: "net",
      sh: `adv tcp ${a.address} $WP $TAG`,
      judge: witnessed(`host-tcp-${l}`),
    }, {
      class: "host-reach",
      name: `host-http-${l}`,
      session: "net",
      sh: `${CURL} ${STATUS} http://${urlHost(a.address)}:$WP/$TAG 2>&1`,
      judge: witnessed(`host-http-${l}`),
    });
    if (a.family === 4) {
      out.push({
        class: "host-reach",
        name: `host-connect-${l}`,
        session: "net",
        sh: `${CURL} -p -w '\\nconnect=%{http_connect}\\n' http://${a.address}:$WP/$TAG 2>&1`,
        judge: (o) => {
          noWitness(o, `host-connect-${l}`);
          assert.notEqual(Number(/^connect=(\d+)/m.exec(o.out)?.[1]), 200, o.out);
        },
      }, {
        class: "host-reach",
        name: `host-v4mapped-${l}`,
        session: "net",
        sh: `adv tcp ::ffff:${a.address} $WP $TAG`,
        judge: witnessed(`host-v4mapped-${l}`),
      });
    }
  }
  return out;
}

/** Raw absolute-form request to the explicit proxy (the host spelled as given). */
function rawProxy(authority: string): string {
  return `adv raw 127.0.0.1 3128 "$(printf 'GET http://%s/%s HTTP/1.1\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n' "${authority}" "$TAG" "${authority}" | base64 -w0)"`;
}

const LOOPBACK: [string, string][] = [
  ["loopback-decimal", rawProxy("2130706433:$WP")],
  ["loopback-hex", rawProxy("0x7f000001:$WP")],
  ["loopback-short", rawProxy("127.1:$WP")],
  ["loopback-octal", rawProxy("0177.0.0.1:$WP")],
  ["loopback-v6", `${VIA_PROXY} ${STATUS} 'http://[::1]:'$WP/$TAG 2>&1`],
  ["loopback-mapped", `${VIA_PROXY} ${STATUS} 'http://[::ffff:127.0.0.1]:'$WP/$TAG 2>&1`],
  ["loopback-localhost", `${VIA_PROXY} ${STATUS} http://localhost:$WP/$TAG 2>&1`],
  ["loopback-unspecified", `${VIA_PROXY} ${STATUS} http://0.0.0.0:$WP/$TAG 2>&1`],
];

/** The UI answers with its strict CSP and its title; the proxy's refusals carry neither. */
function noUi(o: Parameters<Attempt["judge"]>[0]): void {
  assert.doesNotMatch(o.out, /content-security-policy|leash control/i, o.out);
}

const UI: [string, string][] = [
  ["ui-loopback-direct", `${CURL} -i --noproxy '*' http://127.0.0.1:$UIPORT/ 2>&1`],
  ["ui-explicit-proxy", `${VIA_PROXY} -i http://127.0.0.1:$UIPORT/ 2>&1`],
  ["ui-pinned-name", `${CURL} -i http://allowed.test:$UIPORT/ 2>&1`],
  ["ui-pinned-name-connect", `${CURL} -i -p http://allowed.test:$UIPORT/ 2>&1`],
  ["ui-lan-address", `${CURL} -i http://$LAN4:$UIPORT/ 2>&1`],
];

/** The host-reach, loopback, UI and unnamed-address attempts. */
export function hostAttempts(plan: Plan): Attempt[] {
  return [
    ...hostReach(plan),
    ...LOOPBACK.map(([name, sh]): Attempt => ({
      class: "loopback-spelling",
      name,
      session: "net",
      sh,
      judge: (o) => noWitness(o, name),
    })),
    ...UI.map(([name, sh]): Attempt => ({
      class: "control-ui",
      name,
      session: "net",
      sh,
      judge: (o) => {
        noUi(o);
        // A CONNECT leash refuses is refused outright, never "established" first (class 8).
        assert.doesNotMatch(o.out, /200 Connection established/i, o.out);
      },
      ...(name === "ui-lan-address" && !plan.lan4 ? { ignore: "no LAN IPv4 address" } : {}),
    })),
    {
      class: "unnamed-address",
      name: "unnamed-tcp-v4",
      session: "net",
      sh: "adv tcp 198.51.100.200 80 $TAG",
      judge: (o) => refused(o),
    },
    {
      class: "unnamed-address",
      name: "unnamed-tcp-v6",
      session: "net",
      sh: "adv tcp 2001:db8::200 80 $TAG",
      judge: (o) => refused(o),
    },
    {
      class: "unnamed-address",
      name: "unnamed-connect-no-200",
      session: "net",
      sh: `${CURL} -v -p -w '\\nconnect=%{http_connect}\\n' https://198.51.100.200:443/$TAG 2>&1`,
      judge: (o) => {
        assert.doesNotMatch(o.out, /200 Connection established/i, o.out);
        statusIn(o, [403], "connect");
      },
    },
    {
      class: "deny-rule",
      name: "forbidden-cidr-connect",
      session: "net",
      sh: `${CURL} -p -w '\\nconnect=%{http_connect}\\n' https://198.51.100.9:443/$TAG 2>&1`,
      judge: (o) => {
        statusIn(o, [403], "connect");
        denyEvent(o, "adv-forbid-outside", {
          event: "net.connect",
          layer: "proxy",
          host: "198.51.100.9",
        });
      },
    },
    {
      class: "deny-rule",
      name: "forbidden-cidr-kernel",
      session: "net",
      sh: "netprobe tcp 198.51.100.9 22",
      judge: (o) => {
        assert.match(first(o), /^error EPERM/, o.out);
        denyEvent(o, "adv-forbid-outside", { addr: "198.51.100.9", port: 22 });
      },
    },
  ];
}
