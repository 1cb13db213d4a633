/**
 * Relay header lines on proxy.sock and dns.sock (src/proxy/header.ts): a parse returns a header
 * or throws SyntaxError; addresses are IP literals with a port; a parsed header written again
 * (as the C relay writes it) parses to the same header.
 */
import { isIP } from "node:net";
import {
  formatRelayAddress,
  MAX_HEADER_BYTES,
  parseRelayHeader,
  type RelayAddress,
} from "../../../src/proxy/header.ts";
import { ensure, ensureSame, type FuzzTarget, parsesOrThrows } from "../_target.ts";

function ensureAddress(what: string, a: RelayAddress | undefined): void {
  if (!a) return;
  ensure(isIP(a.host) !== 0, `${what} host "${a.host}" is not an IP address`);
  ensure(Number.isInteger(a.port) && a.port >= 1 && a.port <= 65535, `${what} port ${a.port}`);
}

function check(input: Uint8Array): void {
  // As handleRelay reads it: bytes up to the newline, UTF-8, trailing space trimmed.
  const line = new TextDecoder().decode(input).split("\n")[0]!.trimEnd();
  const header = parsesOrThrows("parseRelayHeader()", () => parseRelayHeader(line), SyntaxError);
  if (!header) return;
  ensure(line.length < MAX_HEADER_BYTES, "a header past MAX_HEADER_BYTES was accepted");
  ensure(header.kind === "explicit" || header.dst !== undefined, `kind ${header.kind} without dst`);
  ensureAddress("dst", header.dst);
  ensureAddress("src", header.src);
  const written = JSON.stringify({
    v: 1,
    kind: header.kind,
    ...(header.dst ? { dst: formatRelayAddress(header.dst) } : {}),
    ...(header.src ? { src: formatRelayAddress(header.src) } : {}),
    ...(header.relayPort !== undefined ? { relay_port: header.relayPort } : {}),
    ...(header.pid !== undefined ? { pid: header.pid } : {}),
  });
  ensureSame("parseRelayHeader(written header)", header, parseRelayHeader(written));
}

/** The target. */
export const target: FuzzTarget = {
  dictionary: [
    '"v":1',
    '"kind":"transparent"',
    '"kind":"explicit"',
    '"kind":"dns"',
    '"dst":"',
    '"src":"',
    '"relay_port":',
    '"pid":',
    "[::1]",
    "[::ffff:127.0.0.1]",
    "127.0.0.1",
    ":443",
    ":0",
    ":65536",
    "1e3",
    "-1",
    "null",
    "\\u0000",
    "{",
    "}",
    ",",
  ],
  maxLength: 2048,
  open: () => ({ check }),
};
