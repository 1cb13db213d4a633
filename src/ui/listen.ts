/** Where the control UI listens: parsing `--listen`, the loopback rule, the Host check. */

/** The default address (DESIGN.md §1): the host's loopback, never the target's netns. */
export const DEFAULT_LISTEN = "127.0.0.1:18080";

/** A parsed listen address. */
export interface ListenAddress {
  /** IP literal or `localhost`, without brackets. */
  hostname: string;
  port: number;
}

/**
 * Parses `HOST:PORT` (`[::1]:PORT` for IPv6). Throws `RangeError` naming the value and the
 * fix: the host must be an IP literal or `localhost` (a name could resolve anywhere).
 */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:\[\]]+)):(\d{1,5})$/.exec(text);
  const hostname = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || hostname === undefined || !(port >= 0 && port <= 65535)) {
    throw new RangeError(
      `Invalid --listen "${text}": use HOST:PORT (e.g. ${DEFAULT_LISTEN}), or "" for none`,
    );
  }
  if (hostname !== "localhost" && !isIpLiteral(hostname)) {
    throw new RangeError(
      `Invalid --listen "${text}": the host must be an IP address or localhost, not a name`,
    );
  }
  return { hostname, port };
}

/** Whether `hostname` is an IPv4 or IPv6 literal (no brackets). */
export function isIpLiteral(hostname: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(hostname)) {
    return hostname.split(".").every((p) => Number(p) <= 255);
  }
  return hostname.includes(":") && /^[0-9a-fA-F:.]+$/.test(hostname);
}

/** Whether `hostname` is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(hostname: string): boolean {
  if (hostname === "localhost" || hostname === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Whether `hostname` is a wildcard bind (every interface). */
export function isWildcard(hostname: string): boolean {
  return hostname === "0.0.0.0" || hostname === "::";
}

/**
 * Checks a non-loopback address: refused unless the user gave it explicitly, and then
 * a warning (to print) says who can reach it. Returns the warning or undefined.
 */
export function checkExposure(address: ListenAddress, explicit: boolean): string | undefined {
  if (isLoopback(address.hostname)) return undefined;
  const shown = formatHostPort(address.hostname, address.port);
  if (!explicit) {
    throw new RangeError(
      `Cannot listen on "${shown}": not a loopback address; pass it with --listen to accept that`,
    );
  }
  return `leash: warning: the control UI listens on ${shown}, beyond this host's loopback: anyone who can reach it and learns the token controls this session's policy`;
}

/** `host:port`, with brackets for IPv6. */
export function formatHostPort(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/**
 * Whether a request's Host header names this server (DNS-rebinding defence): the listen
 * address itself, `localhost` when bound to loopback, or any IP literal with the right port
 * when bound to every interface (an IP literal cannot be rebound).
 */
export function hostMatches(host: string | null, bound: ListenAddress): boolean {
  if (host === null) return false;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:\[\]]+)):(\d{1,5})$/.exec(host.toLowerCase());
  const hostname = match?.[1] ?? match?.[2];
  if (!match || hostname === undefined || Number(match[3]) !== bound.port) return false;
  if (hostname === bound.hostname) return true;
  if (hostname === "localhost") return isLoopback(bound.hostname);
  if (isWildcard(bound.hostname)) return isIpLiteral(hostname);
  return false;
}
