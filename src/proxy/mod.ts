/**
 * The host-side egress engine: the proxy (explicit and transparent, TLS MITM, HTTP rules,
 * header injection) and DNS, serving the relay's proxy.sock and dns.sock streams.
 */
export { startEgress } from "./egress.ts";
export type { Egress, EgressMode, EgressOptions } from "./options.ts";
export {
  MAX_HEADER_BYTES,
  parseRelayHeader,
  type RelayAddress,
  type RelayHeader,
} from "./header.ts";
