/** Host names, `host:port` keys and authorities as the proxy and the control UI use them; host-local addresses. */
import { cidrContains, formatIp, type IpAddress, parseIpv4, parseIpv6 } from "./ip.ts";

/** Whether `host` is an IP literal (v4 or v6, without brackets). */
export function isIpLiteral(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(":");
}

/**
 * The canonical spelling of an IP literal (IPv6 compressed, IPv4-mapped IPv6 as IPv4, a zone
 * dropped), or undefined when `text` is not one.
 */
export function canonicalIp(text: string): string | undefined {
  const bare = text.replace(/%.*$/, "");
  const ip = parseIpv4(bare) ?? parseIpv6(bare);
  return ip ? formatIp(ip) : undefined;
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

const HOST_LOCAL: { name: string; net: IpAddress; length: number }[] = [
  { name: "loopback", net: parseIpv4("127.0.0.0")!, length: 8 },
  { name: "unspecified", net: parseIpv4("0.0.0.0")!, length: 8 },
  { name: "link-local", net: parseIpv4("169.254.0.0")!, length: 16 },
  { name: "loopback", net: parseIpv6("::1")!, length: 128 },
  { name: "unspecified", net: parseIpv6("::")!, length: 128 },
  { name: "link-local", net: parseIpv6("fe80::")!, length: 10 },
];

/**
 * Why `address` (an IP literal) belongs to the host itself or its link, or undefined: loopback,
 * unspecified (`0.0.0.0`, `::`) and link-local (which holds cloud metadata services), IPv4-mapped
 * IPv6 included. The proxy runs on the host, so dialling these would hand the agent the host's
 * own services.
 */
export function hostLocalKind(address: string): string | undefined {
  let ip = parseIpv4(address) ?? parseIpv6(address);
  if (!ip) return undefined;
  if (ip.family === 6 && ip.value >> 32n === 0xffffn) {
    ip = { family: 4, value: ip.value & 0xffffffffn };
  }
  for (const range of HOST_LOCAL) {
    if (range.net.family === ip.family && cidrContains(range.net, range.length, ip)) {
      return range.name;
    }
  }
  return undefined;
}
