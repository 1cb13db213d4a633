/**
 * The sessions of the adversarial tier: each kind's policy (the built-in file rules plus these
 * network rules) and its `leash run` options. A new kind (another policy the containment
 * classes need, say) is one entry here and one name in `SessionKind`.
 */
import type { SessionKind } from "./_attempt.ts";
import { containFixture } from "./_contain_fixture.ts";
import type { Plan } from "./_world.ts";

/** What one session kind runs with. */
export interface SessionSpec {
  /** The policy's network part. */
  rules(plan: Plan): string;
  /** `leash run` options beside `--image`, `--policy` and the probes' mounts. */
  args(plan: Plan): string[];
}

/** Every session kind, in the order they are started. */
export const SESSIONS: Record<SessionKind, SessionSpec> = {
  // A broad permit of every network this host is on: the agent may reach the LAN, never the
  // host itself; the control UI on a known port so attempts can aim at it.
  net: { rules: netRules, args: (plan) => ["--listen", `127.0.0.1:${plan.vars.UIPORT}`] },
  // Names pinned into forbidden networks, fronting, paths and secrets; no control UI.
  http: {
    rules: httpRules,
    args: () => ["--listen", "", "--secret", "API_KEY=env:LEASH_ADV_API_KEY"],
  },
  // Containment (issue 10): /contain with a payload and a forbidden subtree, a forbid on a
  // symlink's name, small limits; no network.
  contain: {
    rules: () => CONTAIN_RULES,
    args: () => {
      const f = containFixture();
      return [
        "--listen",
        "",
        "-v",
        `${f.data}:/contain`,
        "-v",
        `${f.probe}:/usr/local/bin/containprobe:ro`,
        "--pids-limit",
        "200",
        "--memory",
        "256m",
      ];
    },
  },
};

const CONTAIN_RULES = `
@id("adv-contain-rw")
permit (principal, action == Action::"FileOpen", resource in Dir::"/contain/");
@id("adv-contain-secret")
forbid (principal, action == Action::"FileOpen", resource in Dir::"/contain/secret/");
@id("adv-contain-ro")
forbid (principal, action == Action::"FileOpenReadWrite", resource in Dir::"/contain/ro/");
@id("adv-no-sh")
forbid (principal, action == Action::"ProcessExec", resource == File::"/usr/bin/sh");
`;

function rule(id: string, effect: "permit" | "forbid", host: string): string {
  return `@id("${id}")\n${effect} (principal, action == Action::"NetworkConnect", resource in Host::"${host}");\n`;
}

const COMMON = rule("adv-test-domain", "permit", "*.test") +
  rule("adv-forbid", "forbid", "forbidden.test");

/** Every network of the host permitted; outside addresses (TEST-NET-2) never, half forbidden. */
function netRules(plan: Plan): string {
  const lans = [...new Set(plan.hostAddresses.map((a) => a.cidr))];
  return COMMON + lans.map((c, i) => rule(`adv-lan-${i}`, "permit", c)).join("") +
    rule("adv-forbid-outside", "forbid", "198.51.100.0/25") +
    rule("adv-forbid-outside6", "forbid", "2001:db8:bad::/48");
}

/** Forbidden networks the pinned names point into, the secret's rewrite, a path rule. */
function httpRules(plan: Plan): string {
  return COMMON + rule("adv-forbid-denied", "forbid", "denied.test") +
    rule("adv-forbid-internal", "forbid", "127.0.0.64/26") +
    rule("adv-forbid-internal6", "forbid", "::1/128") +
    rule("adv-forbid-bridge", "forbid", plan.bridge?.cidr ?? "172.16.0.0/12") +
    `@id("adv-inject")
permit (principal, action == Action::"HttpRewrite", resource in Host::"echo.test")
  when { context.header == "X-Api-Key" && context.secret == "API_KEY" };
@id("adv-no-admin")
forbid (principal, action == Action::"HttpRequest", resource in Host::"paths.test")
  when { context.path like "/admin*" };
`;
}
