/** Where the control UI listens: parsing `--listen`, the loopback rule, the Host check. */
import { hostLocalKind, hostPort, parseIpv4, parseIpv6 } from "../net/mod.ts";

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
  const address = splitHostPort(text);
  if (!address) {
    throw new RangeError(
      `Invalid --listen "${text}": use HOST:PORT (e.g. ${DEFAULT_LISTEN}), or "" for none`,
    );
  }
  if (address.hostname !== "localhost" && !isIpLiteral(address.hostname)) {
    throw new RangeError(
      `Invalid --listen "${text}": the host must be an IP address or localhost, not a name`,
    );
  }
  return address;
}

/** `HOST:PORT` or `[V6]:PORT` split (port 0 to 65535), or undefined. */
function splitHostPort(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:\[\]]+)):(\d{1,5})$/.exec(text);
  const hostname = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (hostname === undefined || port > 65535) return undefined;
  return { hostname, port };
}

/** Whether `hostname` is an IPv4 or IPv6 literal (no brackets). */
function isIpLiteral(hostname: string): boolean {
  return (parseIpv4(hostname) ?? parseIpv6(hostname)) !== undefined;
}

/** Whether `hostname` is a loopback address (127.0.0.0/8, ::1, localhost). */
function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostLocalKind(hostname) === "loopback";
}

/** Whether `hostname` is a wildcard bind (every interface). */
function isWildcard(hostname: string): boolean {
  return hostname === "0.0.0.0" || hostname === "::";
}

/**
 * Checks a non-loopback address: refused unless the user gave it explicitly, and then
 * a warning (to print) says who can reach it. Returns the warning or undefined.
 */
export function checkExposure(address: ListenAddress, explicit: boolean): string | undefined {
  if (isLoopback(address.hostname)) return undefined;
  const shown = hostPort(address.hostname, address.port);
  if (!explicit) {
    throw new RangeError(
      `Cannot listen on "${shown}": not a loopback address; pass it with --listen to accept that`,
    );
  }
  return `leash: warning: the control UI listens on ${shown}, beyond this host's loopback: anyone who can reach it and learns the token controls this session's policy`;
}

/**
 * Whether a request's Host header names this server (DNS-rebinding defence): the listen
 * address itself, `localhost` when bound to loopback, or any IP literal with the right port
 * when bound to every interface (an IP literal cannot be rebound).
 */
export function hostMatches(host: string | null, bound: ListenAddress): boolean {
  const address = host === null ? undefined : splitHostPort(host.toLowerCase());
  if (!address || address.port !== bound.port) return false;
  const hostname = address.hostname;
  if (hostname === bound.hostname) return true;
  if (hostname === "localhost") return isLoopback(bound.hostname);
  if (isWildcard(bound.hostname)) return isIpLiteral(hostname);
  return false;
}
