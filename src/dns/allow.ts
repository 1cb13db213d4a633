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
