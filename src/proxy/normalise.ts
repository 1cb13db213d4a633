/**
 * The normalise stage of the request pipeline (DESIGN.md §5): request paths and authorities in
 * the one form that is judged and then forwarded, so an origin that normalises differently can
 * never be handed a request the policy did not see.
 */
import { formatIp, parseIpv4, parseIpv6 } from "../net/mod.ts";

/** A request the proxy refuses to normalise (answered 400, never forwarded). */
export class AmbiguousRequestError extends SyntaxError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "AmbiguousRequestError";
  }
}

/** A canonical authority: lower-case name without final dot, or a canonical IP; a port. */
export interface Authority {
  host: string;
  port: number;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * Normalises the path of a request target (origin-form, `/path?query`): percent-encoded
 * unreserved characters decoded, other escapes upper-cased, duplicate slashes collapsed, dot
 * segments removed (RFC 3986 §5.2.4). The query is kept as is. Throws
 * {@linkcode AmbiguousRequestError} for what origins read in different ways: `%2F`, `%5C`,
 * `%00`, a double escape (`%25` then two hex digits), a backslash, an invalid escape, a
 * fragment, a dot segment with parameters (`..;`).
 */
export function normalisePath(target: string): string {
  const q = target.indexOf("?");
  const raw = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? "" : target.slice(q);
  if (!raw.startsWith("/")) throw new AmbiguousRequestError(`Cannot accept path "${cut(raw)}"`);
  if (target.includes("#")) {
    throw new AmbiguousRequestError(`Cannot accept a fragment in "${cut(target)}"`);
  }
  if (raw.includes("\\")) {
    throw new AmbiguousRequestError(`Cannot accept a backslash in path "${cut(raw)}"`);
  }
  let decoded = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== "%") {
      decoded += c;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
      throw new AmbiguousRequestError(`Cannot accept the invalid escape in path "${cut(raw)}"`);
    }
    const code = parseInt(hex, 16);
    if (code === 0x2f || code === 0x5c || code === 0x00) {
      throw new AmbiguousRequestError(
        `Cannot accept "%${hex}" in path "${cut(raw)}": origins disagree on what it means`,
      );
    }
    if (code === 0x25 && /^[0-9A-Fa-f]{2}$/.test(raw.slice(i + 3, i + 5))) {
      throw new AmbiguousRequestError(
        `Cannot accept a double escape ("%25${raw.slice(i + 3, i + 5)}") in path "${cut(raw)}"`,
      );
    }
    const ch = String.fromCharCode(code);
    decoded += UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return removeDotSegments(decoded.replace(/\/{2,}/g, "/")) + query;
}

/** RFC 3986 §5.2.4 on a path of `/`-separated segments that starts with `/`. */
function removeDotSegments(path: string): string {
  const segments = path.split("/").slice(1);
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (/^\.\.?;/.test(s)) {
      throw new AmbiguousRequestError(`Cannot accept the dot segment "${cut(s)}" with parameters`);
    }
    if (s === ".") {
      if (last) out.push("");
    } else if (s === "..") {
      out.pop();
      if (last) out.push("");
    } else out.push(s);
  }
  return "/" + out.join("/");
}

/**
 * Parses and normalises an authority (`host`, `host:port`, `[v6]:port`): the port defaults to
 * `defaultPort`, names are lower-cased without a final dot, IP literals take their canonical
 * spelling (IPv4-mapped IPv6 becomes IPv4). Throws {@linkcode AmbiguousRequestError} for a
 * malformed authority, one with credentials, or a name ending in a number that is not a
 * dotted-quad address (`0x7f.1`, `2130706433`: resolvers read those as IPv4).
 */
export function normaliseAuthority(text: string, defaultPort: number): Authority {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/?#@\[\]\\%]+))(?::([0-9]{1,5}))?$/.exec(text);
  const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
  if (!m || port < 1 || port > 65535) {
    throw new AmbiguousRequestError(`Cannot parse authority "${cut(text)}"`);
  }
  if (m[1] !== undefined) {
    const ip = parseIpv6(m[1]);
    if (!ip) throw new AmbiguousRequestError(`Cannot parse IPv6 address "${cut(m[1])}"`);
    return { host: formatIp(ip), port };
  }
  const name = m[2]!.toLowerCase().replace(/\.$/, "");
  const v4 = parseIpv4(name);
  if (v4) return { host: formatIp(v4), port };
  const last = name.slice(name.lastIndexOf(".") + 1);
  if (name === "" || /^(0x[0-9a-f]*|[0-9]+)$/.test(last)) {
    throw new AmbiguousRequestError(
      `Cannot accept host "${cut(m[2]!)}": write an IPv4 address as four decimal numbers (a.b.c.d)`,
    );
  }
  return { host: name, port };
}

/** Whether two normalised authorities name the same host and port. */
export function sameAuthority(a: Authority, b: Authority): boolean {
  return a.host === b.host && a.port === b.port;
}

/** `host[:port]` as sent upstream: the port only when it is not the scheme's default. */
export function formatAuthority(a: Authority, scheme: "http" | "https"): string {
  const host = a.host.includes(":") ? `[${a.host}]` : a.host;
  const defaultPort = scheme === "https" ? 443 : 80;
  return a.port === defaultPort ? host : `${host}:${a.port}`;
}

function cut(text: string): string {
  return text.slice(0, 100);
}
