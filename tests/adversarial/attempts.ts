/**
 * The attempt table of the adversarial tier: every row of every class. A new class (the
 * containment issue's, say) adds a file of rows and one line here.
 */
import type { Attempt } from "./_attempt.ts";
import { bootAttempts } from "./attempts_boot.ts";
import { containAttempts } from "./attempts_contain.ts";
import { frontAttempts } from "./attempts_front.ts";
import { hostAttempts } from "./attempts_host.ts";
import { inspectAttempts } from "./attempts_inspect.ts";
import { nameAttempts } from "./attempts_names.ts";
import { pathAttempts } from "./attempts_paths.ts";
import { secretAttempts } from "./attempts_secrets.ts";
import { socketAttempts } from "./attempts_socket.ts";
import type { Plan } from "./_world.ts";

/** Every attempt, for this host's addresses and the servers' ports. */
export function allAttempts(plan: Plan): Attempt[] {
  const all = [
    ...hostAttempts(plan),
    ...socketAttempts(plan),
    ...nameAttempts(plan),
    ...frontAttempts(plan),
    ...pathAttempts(),
    ...secretAttempts(),
    ...bootAttempts(),
    ...containAttempts(),
    ...inspectAttempts(),
  ];
  const names = new Set<string>();
  for (const a of all) {
    if (names.has(a.name)) throw new Error(`Duplicate attempt name "${a.name}"`);
    names.add(a.name);
  }
  return all;
}
