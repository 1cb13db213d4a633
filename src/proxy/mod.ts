/**
 * The host-side egress engine: the proxy (explicit and transparent, TLS MITM, HTTP rules,
 * header injection) and DNS, serving the relay's proxy.sock and dns.sock streams
 * (docs/protocol.md).
 *
 * Choices worth knowing:
 * - A forbidden CONNECT gets `403` with a one-line reason naming the rule before any tunnel;
 *   a forbidden transparent TLS connection (decided by SNI) is closed without a handshake;
 *   other forbidden TCP is closed. Forbidden HTTP requests inside an allowed connection get
 *   `403` with the reason in the body and an `X-Leash-Reason` header.
 * - Upstreams are always dialled by the name the client asked for (SNI, CONNECT authority or
 *   Host header) and resolved on the host, never by the IP the client dialled, so a fake SNI
 *   cannot reach another address; upstream TLS is verified for that name.
 * - ALPN offers only http/1.1 to the client and upstream: HTTP/2 is not proxied yet.
 * - Keep-alive is per client connection (its upstream connection is reused while the host
 *   stays the same); there is no cross-connection upstream pool yet.
 */
export { startEgress } from "./egress.ts";
export type { Egress, EgressMode, EgressOptions } from "./options.ts";
export {
  MAX_HEADER_BYTES,
  parseRelayHeader,
  type RelayAddress,
  type RelayHeader,
} from "./header.ts";
