/**
 * Network addresses, shared by the policy, the proxy, the control UI and the kernel map
 * encoder: IPv4/IPv6 parsing and formatting, CIDR membership, `host:port` and authorities,
 * and which addresses belong to the host itself (loopback, unspecified, link-local).
 */
export {
  cidrContains,
  formatIp,
  type IpAddress,
  ipBits,
  parseIp,
  parseIpv4,
  parseIpv6,
} from "./ip.ts";
export { canonicalIp, hostLocalKind, hostPort, isIpLiteral, parseAuthority } from "./address.ts";
