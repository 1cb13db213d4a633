/**
 * The host-side egress engine: the proxy (explicit and transparent, TLS MITM, HTTP rules,
 * header injection) and DNS, serving the relay's proxy.sock and dns.sock streams
 * (docs/protocol.md).
 *
 * Every request goes through the same stages whatever its protocol (DESIGN.md §5):
 * normalise and judge (request_judge.ts, normalise.ts: the request's authority must be the
 * connection's, else 421; the normalised path is judged and forwarded), then the dial judges
 * each address it would reach (address_judge.ts: the host's own addresses, IP/CIDR forbids).
 *
 * Choices worth knowing:
 * - A forbidden CONNECT gets `403` with a one-line reason naming the rule before any tunnel;
 *   a forbidden transparent TLS connection (decided by SNI) is closed without a handshake;
 *   other forbidden TCP is closed. Forbidden HTTP requests inside an allowed connection get
 *   `403` with the reason in the body and an `X-Leash-Reason` header.
 * - Upstreams are always dialled by the name the client asked for (SNI, CONNECT authority or
 *   Host header) and resolved on the host, never by the IP the client dialled, so a fake SNI
 *   cannot reach another address; upstream TLS is verified for that name.
 * - ALPN: a client that offers h2 is answered only after the upstream was asked with
 *   [h2, http/1.1]; it gets h2 when the upstream selected h2, else http/1.1 (never an h2 client
 *   side over an HTTP/1.1 upstream, so gRPC keeps its trailers). A client offering only
 *   http/1.1 goes the HTTP/1.1 way with an upstream asked for http/1.1. HTTP/2 is served with
 *   node:http2 (h2_serve.ts): each stream gets the HTTP/1.1 path's decisions, 403s, header
 *   injection and event, bodies and trailers are streamed under HTTP/2 flow control (1 MiB
 *   stream windows), and a socket-level gate holds streams while Deno's http2 session has
 *   more than 256 KiB unsent (it does not wait for `drain`). Not proxied: h2c (cleartext
 *   HTTP/2), extended CONNECT (WebSocket over HTTP/2), server push.
 * - Reflected secrets (mask_stage.ts): in a session with secrets, every response is scanned
 *   and each secret value in it is replaced by `[secret:NAME]***` of the same length (headers,
 *   trailers, bodies across chunk boundaries, HTTP/2 DATA, WebSocket frames, 502 messages), with
 *   an `http.mask` event. gzip/deflate/br bodies are decoded and sent decoded; other content
 *   codings get 502. WebSocket upgrades lose their extension offer (no compression). Not
 *   masked: passthrough hosts (not inspected at all; a session with secrets has no other raw
 *   TCP tunnels), and values an upstream transforms (base64, reversed, split across WebSocket
 *   messages).
 * - Inspection cannot be skipped by waiting (inspection.ts): a connection is tunnelled as raw TCP
 *   only when nothing at the HTTP level could apply to it, i.e. its host is in the passthrough
 *   list, or the session has no secrets and no HttpRequest/HttpRewrite rule could apply to its
 *   host (the CONNECT target, or the address a transparent connection dialled). Otherwise the
 *   client must start with TLS or HTTP, however late (the idle timeout bounds the wait), and
 *   anything else is refused (net.connect deny). Where raw TCP is allowed, a client silent for
 *   500 ms gets it only once the upstream spoke first (SSH, SMTP: first_speaker.ts); if the
 *   client speaks first it is sniffed as usual. A first line that looks like HTTP is served as
 *   HTTP (400 when malformed, so h2c's prior-knowledge preface too), never tunnelled.
 * - Upgrades (upgrade.ts): only WebSocket is forwarded. An h2c offer (`Upgrade: h2c`,
 *   `HTTP2-Settings`) or any other/unknown upgrade is removed and the request forwarded as
 *   plain HTTP/1.1; a `101` to a request without a forwarded WebSocket offer, or switching to
 *   anything else, gets 502.
 * - Client TLS (tls_server.ts): no ClientHello can throw out of the proxy (Deno's node:tls
 *   start read a handle a refused hello had cleared); a client offering only ALPN `http/1.0`
 *   is served as HTTP/1.x.
 * - Keep-alive: HTTP/1.1 upstream connections return to a pool shared by every client
 *   connection (per scheme, host and port); one upstream HTTP/2 session per host and port
 *   carries the streams of every client connection to it.
 */
export { startEgress } from "./egress.ts";
export { FIRST_BYTES_WAIT_MS } from "./relay.ts";
export { markerPatterns, type MaskPattern, StreamMasker, wirePatterns } from "./mask.ts";
export type { Egress, EgressMode, EgressOptions } from "./options.ts";
export type { HostAddressProvider } from "./host_addresses.ts";
export {
  MAX_HEADER_BYTES,
  parseRelayHeader,
  type RelayAddress,
  type RelayHeader,
} from "./header.ts";
