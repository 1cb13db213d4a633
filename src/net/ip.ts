/** IP addresses as numbers: strict parsing of IPv4 and IPv6 literals, canonical text, CIDR membership. */

/** An IP address: family and value (IPv4 in the low 32 bits). */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

/** Parses a dotted-quad IPv4 address strictly, or returns undefined. */
export function parseIpv4(text: string): IpAddress | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return { family: 4, value };
}

/** Parses an IPv6 address (no brackets, no zone), or returns undefined. v4-mapped becomes IPv4. */
export function parseIpv6(text: string): IpAddress | undefined {
  if (!text.includes(":") || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let canonical: string;
  try {
    canonical = new URL(`http://[${text}]`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const [head = "", tail] = canonical.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [
    ...headGroups,
    ...Array(tail === undefined ? 0 : missing).fill("0"),
    ...tailGroups,
  ];
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(parseInt(group, 16));
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

/** Formats an IP address canonically (IPv6 compressed, lower case, no brackets). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    const v = Number(ip.value);
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(":")}]`).hostname.slice(1, -1);
}

/** The address width: 32 for IPv4, 128 for IPv6. */
export function ipBits(ip: IpAddress): number {
  return ip.family === 4 ? 32 : 128;
}

/** Whether `ip` lies in the CIDR `net`/`length`. */
export function cidrContains(net: IpAddress, length: number, ip: IpAddress): boolean {
  if (net.family !== ip.family) return false;
  const shift = BigInt(ipBits(net) - length);
  return (ip.value >> shift) === (net.value >> shift);
}

/** Parses an IPv4 or IPv6 address (no brackets), or returns undefined. */
export function parseIp(text: string): IpAddress | undefined {
  return parseIpv4(text) ?? parseIpv6(text);
}
