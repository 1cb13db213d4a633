/**
 * Which protocol upgrades (HTTP/1.1 `Upgrade`) the proxy lets through: WebSocket only, whose
 * frames the mask stage reads. Any other offer (`h2c`, `TLS/1.x`, anything unknown) would hand
 * the client a protocol the proxy cannot inspect once the upstream answers `101`, so it is
 * removed from the forwarded request (`Upgrade`, the `upgrade` Connection token and
 * `HTTP2-Settings` go; the request itself is forwarded as plain HTTP/1.1, which an upstream
 * serves as if no upgrade was offered), and a `101` to a request whose WebSocket offer was not
 * forwarded, or that switches to anything but WebSocket, is refused with 502.
 */
import { forwardHeaders, type HeaderField, headerTokens } from "./http_head.ts";

/** What a request offers: a WebSocket upgrade (forwarded), another one (removed), or none. */
export type UpgradeOffer = "websocket" | "removed" | undefined;

/** The upgrade `headers` offer. */
export function upgradeOffer(headers: HeaderField[]): UpgradeOffer {
  const offers = headerTokens(headers, "upgrade");
  const h2Settings = headers.some(([n]) => n.toLowerCase() === "http2-settings");
  if (offers.length === 0 && !h2Settings) return undefined;
  const asked = headerTokens(headers, "connection").includes("upgrade");
  return asked && offers.length === 1 && offers[0] === "websocket" && !h2Settings
    ? "websocket"
    : "removed";
}

/**
 * The end-to-end fields of a request to forward (hop-by-hop ones gone, `HTTP2-Settings` too),
 * with `Upgrade: websocket` and `Connection: Upgrade` when `offer` is a WebSocket one.
 */
export function forwardRequestFields(headers: HeaderField[], offer: UpgradeOffer): HeaderField[] {
  const out = forwardHeaders(headers, false).filter(([n]) => n.toLowerCase() !== "http2-settings");
  if (offer === "websocket") out.push(["Upgrade", "websocket"], ["Connection", "Upgrade"]);
  return out;
}

/** Whether a `101` answer switched to WebSocket (the only switch a forwarded offer allows). */
export function switchedToWebSocket(headers: HeaderField[]): boolean {
  const tokens = headerTokens(headers, "upgrade");
  return tokens.length === 1 && tokens[0] === "websocket";
}
