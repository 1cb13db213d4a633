/**
 * The lifeline (docs/protocol.md): an abstract unix socket the manager listens on in the
 * target's network namespace and leash-entry holds while the command runs, so the command
 * dies with the manager even when nobody is left to stop it (leash SIGKILLed). The host
 * picks the name and passes it in `activate` and `enforcement.active`; the C side is
 * bpf/helper/lifeline.h.
 */

/** Longest name the abstract socket address takes (bpf/helper/lifeline.h). */
export const LIFELINE_NAME_MAX = 100;

const NAME = /^[A-Za-z0-9._-]+$/;

/**
 * A fresh lifeline name. Random rather than the session nonce: abstract names are listed in
 * /proc/net/unix to everything in the namespace, the agent included.
 */
export function newLifelineName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `leash-lifeline-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Whether `name` is 1 to 100 characters of `[A-Za-z0-9._-]`, as both C halves require. */
export function isLifelineName(name: string): boolean {
  return name.length <= LIFELINE_NAME_MAX && NAME.test(name);
}
