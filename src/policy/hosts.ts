/**
 * Canonical forms of `Host` entity ids (patterns) and of request hosts.
 *
 * Pattern ids: `*`, `name`, `*.domain`, IPv4, IPv6 (bare or `[v6]`), CIDR (v4 or v6),
 * each optionally with `:port` (`[v6]:port`, `[v6/len]:port` for IPv6). Names are
 * lower-cased and IDNA-encoded; IPv6 is compressed; CIDRs are canonical.
 */
import { cidrContains, formatIp, type IpAddress, ipBits, parseIp } from "../net/mod.ts";

/** A parsed `Host` pattern. */
export type HostPattern =
  & { key: string; port?: number; warning?: string }
  & (
    | { kind: "any" }
    | { kind: "name"; name: string }
    | { kind: "suffix"; suffix: string }
    | { kind: "cidr"; ip: IpAddress; length: number }
  );

/** A parsed request host: a name or an IP, with an optional port. */
export interface RequestHost {
  /** Canonical `host[:port]`, the request entity's id. */
  key: string;
  /** Canonical host without the port. */
  host: string;
  ip?: IpAddress;
  port?: number;
}

const NAME_RE =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Parses a port; throws RangeError unless it is 1-65535 in decimal. */
export function parsePort(text: string, context: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) {
    throw new RangeError(`Cannot use ${context}: port "${text}" is not a number from 1 to 65535`);
  }
  const port = Number(text);
  if (port < 1 || port > 65535) {
    throw new RangeError(`Cannot use ${context}: port "${text}" is not a number from 1 to 65535`);
  }
  return port;
}

/** Canonicalises a DNS name (lower case, IDNA); throws RangeError when it is not a valid name. */
export function canonicalName(name: string, context: string): string {
  let result = name;
  if (!/^[a-z0-9_.-]+$/.test(name)) {
    if (/[\s/?#@:\[\]\\%*]/.test(name)) {
      throw new RangeError(`Cannot use ${context}: "${name}" is not a host name`);
    }
    try {
      result = new URL(`http://${name}`).hostname;
    } catch (error) {
      throw new RangeError(`Cannot use ${context}: "${name}" is not a host name`, { cause: error });
    }
  }
  if (result.endsWith(".")) result = result.slice(0, -1);
  if (!NAME_RE.test(result) || /^[0-9.]+$/.test(result)) {
    throw new RangeError(`Cannot use ${context}: "${name}" is not a host name`);
  }
  return result;
}

function splitPort(text: string, context: string): { host: string; port?: number } {
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) throw new RangeError(`Cannot use ${context}: missing "]"`);
    const rest = text.slice(close + 1);
    const host = text.slice(1, close);
    if (rest === "") return { host };
    if (!rest.startsWith(":")) throw new RangeError(`Cannot use ${context}: junk after "]"`);
    return { host, port: parsePort(rest.slice(1), context) };
  }
  const colons = text.split(":").length - 1;
  if (colons === 1) {
    const at = text.indexOf(":");
    return { host: text.slice(0, at), port: parsePort(text.slice(at + 1), context) };
  }
  return { host: text };
}

function withPort(host: string, port: number | undefined, bracket: boolean): string {
  if (port === undefined) return host;
  return bracket ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses a `Host::"..."` id into a pattern; throws RangeError with the reason. */
export function parseHostPattern(id: string): HostPattern {
  const context = `Host "${id}"`;
  if (id === "") throw new RangeError(`Cannot use Host "": the host is empty`);
  const { host, port } = splitPort(id, context);
  const portPart = port === undefined ? {} : { port };
  if (host === "*") return { kind: "any", key: withPort("*", port, false), ...portPart };
  if (host.includes("/")) {
    const [addr = "", len = "", ...extra] = host.split("/");
    const ip = parseIp(addr);
    if (!ip || extra.length > 0 || !/^[0-9]{1,3}$/.test(len)) {
      throw new RangeError(`Cannot use ${context}: "${host}" is not a CIDR (e.g. "10.0.0.0/8")`);
    }
    const mapped = ip.family === 4 && addr.includes(":");
    const length = Number(len) - (mapped ? 96 : 0);
    if (length < 0 || length > ipBits(ip)) {
      throw new RangeError(`Cannot use ${context}: prefix length "/${len}" is out of range`);
    }
    const shift = BigInt(ipBits(ip) - length);
    const net: IpAddress = { family: ip.family, value: (ip.value >> shift) << shift };
    const base = formatIp(net);
    const text = length === ipBits(ip) ? base : `${base}/${length}`;
    const key = withPort(text, port, ip.family === 6);
    const pattern: HostPattern = { kind: "cidr", ip: net, length, key, ...portPart };
    if (net.value !== ip.value) {
      pattern.warning = `${context} has host bits set: read as Host "${key}"`;
    }
    return pattern;
  }
  const ip = parseIp(host);
  if (ip) {
    if (ip.family === 6 && port !== undefined && !id.startsWith("[")) {
      throw new RangeError(
        `Cannot use ${context}: write an IPv6 address with a port as "[addr]:port"`,
      );
    }
    const key = withPort(formatIp(ip), port, ip.family === 6);
    return { kind: "cidr", ip, length: ipBits(ip), key, ...portPart };
  }
  if (id.startsWith("[")) {
    throw new RangeError(`Cannot use ${context}: "${host}" is not an IPv6 address`);
  }
  if (host.startsWith("*.")) {
    const suffix = canonicalName(host.slice(2), context);
    return { kind: "suffix", suffix, key: withPort(`*.${suffix}`, port, false), ...portPart };
  }
  if (host.includes("*")) {
    throw new RangeError(
      `Cannot use ${context}: a wildcard may only lead the name, as in "*.example.com"`,
    );
  }
  const name = canonicalName(host, context);
  return { kind: "name", name, key: withPort(name, port, false), ...portPart };
}

/** Parses a request host (`name`, `name:port`, IPv4[:port], IPv6, `[IPv6]:port`); throws RangeError. */
export function parseRequestHost(text: string): RequestHost {
  const context = `host "${text}"`;
  if (text === "") throw new RangeError(`Cannot use host "": the host is empty`);
  const { host, port } = splitPort(text, context);
  const portPart = port === undefined ? {} : { port };
  const ip = parseIp(host);
  if (ip) {
    const canonical = formatIp(ip);
    return { key: withPort(canonical, port, ip.family === 6), host: canonical, ip, ...portPart };
  }
  if (text.startsWith("[")) {
    throw new RangeError(`Cannot use ${context}: "${host}" is not an IPv6 address`);
  }
  const name = canonicalName(host, context);
  return { key: withPort(name, port, false), host: name, ...portPart };
}

/** Whether `pattern` covers request host `request` (Cedar `in` for Host entities). */
export function hostCovers(pattern: HostPattern, request: RequestHost): boolean {
  if (pattern.port !== undefined && pattern.port !== request.port) return false;
  switch (pattern.kind) {
    case "any":
      return true;
    case "name":
      return request.ip === undefined && request.host === pattern.name;
    case "suffix":
      return request.ip === undefined && request.host.endsWith(`.${pattern.suffix}`);
    case "cidr":
      return request.ip !== undefined && cidrContains(pattern.ip, pattern.length, request.ip);
  }
}
