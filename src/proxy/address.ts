/** Host names and `host:port` keys as the policy matcher reads them. */

/** Whether `host` is an IP literal (v4 or v6, without brackets). */
export function isIpLiteral(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(":");
}

/** `host:port`, bracketing IPv6. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Splits an authority (`host`, `host:port`, `[v6]:port`); throws SyntaxError. */
export function parseAuthority(text: string, defaultPort: number): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/?#@\[\]]+))(?::([0-9]{1,5}))?$/.exec(text);
  const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
  if (!m || port < 1 || port > 65535) {
    throw new SyntaxError(`Cannot parse authority "${text.slice(0, 100)}"`);
  }
  return { host: (m[1] ?? m[2])!.toLowerCase().replace(/\.$/, ""), port };
}
