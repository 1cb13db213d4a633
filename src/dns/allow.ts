import { decide, type PolicyIr } from "../policy/mod.ts";

/** Whether a DNS name is in the policy's DNS allow-list (`*`, `name`, `*.suffix`). */
export function dnsAllowed(allow: readonly string[], name: string): string | undefined {
  for (const entry of allow) {
    if (entry === "*") return entry;
    if (entry.startsWith("*.")) {
      if (name.endsWith(entry.slice(1))) return entry;
    } else if (entry === name) return entry;
  }
  return undefined;
}

/** The DNS answer the policy gives a name: answered (by an allow-list entry) or refused. */
export type DnsVerdict =
  | { allowed: true; rule: string }
  | { allowed: false; rule: string | null };

/**
 * Decides a DNS query for `name` against the policy: refused when a `forbid` denies
 * `NetworkConnect` to the name on every port (e.g. `Host::"evil.example.com"` under a permit of
 * `*.example.com`; Cedar's forbid beats the permit, so the name is never reachable), else answered
 * when the name is in the DNS allow-list (some permit can reach it), else refused.
 */
export function dnsVerdict(ir: PolicyIr, name: string): DnsVerdict {
  let portless;
  try {
    portless = decide(ir, { action: "NetworkConnect", resource: name });
  } catch {
    return { allowed: false, rule: null };
  }
  if (portless.decision === "deny" && portless.rules.length > 0) {
    return { allowed: false, rule: portless.rules[0]! };
  }
  const entry = dnsAllowed(ir.dns.allow, name);
  return entry === undefined ? { allowed: false, rule: null } : { allowed: true, rule: entry };
}
