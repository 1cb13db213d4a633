/** The relay header line of docs/protocol.md (proxy.sock and dns.sock). */
import { isIP } from "node:net";

/** Longest header line, newline included. */
export const MAX_HEADER_BYTES = 1024;

/** An address as the relay writes it: `1.2.3.4:443` or `[v6]:443`. */
export interface RelayAddress {
  host: string;
  port: number;
}

/** One parsed header line. */
export interface RelayHeader {
  v: 1;
  kind: "explicit" | "transparent" | "dns";
  /** Original destination (transparent and dns). */
  dst?: RelayAddress;
  src?: RelayAddress;
  relayPort?: number;
  pid?: number;
}

/** Parses `host:port` / `[v6]:port`; throws SyntaxError. */
export function parseRelayAddress(text: string): RelayAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535 || isIP((m[1] ?? m[2])!) === 0) {
    throw new SyntaxError(`Cannot parse relay address "${text}": expected IP:PORT`);
  }
  return { host: (m[1] ?? m[2])!.toLowerCase(), port };
}

/** Formats an address back to `ip:port` / `[v6]:port`. */
export function formatRelayAddress(address: RelayAddress): string {
  return address.host.includes(":")
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/** Parses one header line (without its newline); throws SyntaxError for anything malformed. */
export function parseRelayHeader(line: string): RelayHeader {
  if (line.length >= MAX_HEADER_BYTES) {
    throw new SyntaxError(`Cannot parse relay header: longer than ${MAX_HEADER_BYTES} bytes`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    throw new SyntaxError("Cannot parse relay header: not JSON", { cause: error });
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new SyntaxError("Cannot parse relay header: not a JSON object");
  }
  const h = raw as Record<string, unknown>;
  if (h.v !== 1) {
    throw new SyntaxError(
      `Cannot parse relay header: version "${String(h.v)}": version mismatch: upgrade both halves`,
    );
  }
  if (h.kind !== "explicit" && h.kind !== "transparent" && h.kind !== "dns") {
    throw new SyntaxError(`Cannot parse relay header: unknown kind "${String(h.kind)}"`);
  }
  const header: RelayHeader = { v: 1, kind: h.kind };
  if (h.dst !== undefined) {
    if (typeof h.dst !== "string") throw new SyntaxError("Cannot parse relay header: bad dst");
    header.dst = parseRelayAddress(h.dst);
  }
  if (h.kind !== "explicit" && !header.dst) {
    throw new SyntaxError(`Cannot parse relay header: kind "${h.kind}" needs dst`);
  }
  if (typeof h.src === "string") header.src = parseRelayAddress(h.src);
  if (typeof h.relay_port === "number" && Number.isInteger(h.relay_port)) {
    header.relayPort = h.relay_port;
  }
  if (typeof h.pid === "number" && Number.isInteger(h.pid) && h.pid > 0) header.pid = h.pid;
  return header;
}
