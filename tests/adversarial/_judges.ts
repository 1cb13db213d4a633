/**
 * Judges shared by the attempt tables. Each looks at what an attacker or a bystander would
 * observe — the witness, a logging upstream, the attempt's own output, the files leash wrote —
 * and at leash's events only to check that a denial names its rule.
 */
import assert from "node:assert/strict";
import type { Outcome } from "./_attempt.ts";

/** The first line of the output. */
export function first(o: Outcome): string {
  return o.out.split("\n")[0] ?? "";
}

/** The value of `key=...` printed by the script (curl's `-w 'status=%{http_code}'`). */
export function field(o: Outcome, key: string): string | undefined {
  return new RegExp(`^${key}=(.*)$`, "m").exec(o.out)?.[1];
}

/** Nothing that mentions `tag` reached the witness on any host address. */
export function noWitness(o: Outcome, tag: string): void {
  const hits = o.witness.hits(tag);
  assert.deepEqual(hits, [], `the witness on the host received it:\n${o.out}`);
}

/** Upstream `name` received no request mentioning `tag` (path, Host, headers). */
export function noUpstream(o: Outcome, name: string, tag: string): void {
  const u = o.upstreams.get(name);
  assert.ok(u, `no upstream "${name}"`);
  const hits = u.hits(tag);
  assert.deepEqual(hits, [], `${name} received it:\n${o.out}`);
}

/** The socket call was refused by the kernel or the relay (no connection, no datagram out). */
export function refused(o: Outcome, errnos = /^error (EPERM|ECONNREFUSED|EACCES)\b/): void {
  assert.match(first(o), errnos, `expected a refusal:\n${o.out}`);
}

/** curl's status (`status=NNN`) is one of `codes`. */
export function statusIn(o: Outcome, codes: number[], key = "status"): void {
  const got = field(o, key);
  assert.ok(
    got !== undefined && codes.includes(Number(got)),
    `expected ${key} in ${codes.join("/")}, got ${got}:\n${o.out}`,
  );
}

/** The secret value appears nowhere in what the agent saw. */
export function noSecret(o: Outcome): void {
  assert.ok(o.secret.length > 8);
  assert.ok(!o.out.includes(o.secret), `the agent saw the secret value:\n${o.out}`);
}

/** Some event matches every field of `match` (with `decision: "deny"` and the rule). */
export function denyEvent(o: Outcome, rule: string, match: Record<string, unknown>): void {
  const found = o.events.some((e) =>
    e.decision === "deny" && e.rule === rule &&
    Object.entries(match).every(([k, v]) => v instanceof RegExp ? v.test(String(e[k])) : e[k] === v)
  );
  assert.ok(
    found,
    `no deny event naming rule "${rule}" with ${JSON.stringify(match)}; events naming the rule:\n${
      o.events.filter((e) => e.rule === rule).slice(-20).map((e) => JSON.stringify(e)).join("\n")
    }`,
  );
}

/** The events leash logged that mention `tag` anywhere. */
export function eventsWith(o: Outcome, tag: string): Record<string, unknown>[] {
  return o.events.filter((e) => JSON.stringify(e).includes(tag));
}
