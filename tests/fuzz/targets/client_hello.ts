/**
 * TLS ClientHello records from the target (src/proxy/client_hello.ts): a parse returns the SNI
 * and ALPN offer or throws SyntaxError; the server name is a host name; the length helper names
 * at most one record.
 */
import {
  clientHelloLength,
  looksLikeTls,
  parseClientHello,
} from "../../../src/proxy/client_hello.ts";
import { ensure, ensureBounded, type FuzzTarget, parsesOrThrows } from "../_target.ts";

function check(input: Uint8Array): void {
  const length = clientHelloLength(input);
  ensure(length >= 5 && length <= 5 + 0xffff, `clientHelloLength() ${length}`);
  looksLikeTls(input);
  const hello = parsesOrThrows("parseClientHello()", () => parseClientHello(input), SyntaxError);
  if (!hello) return;
  ensureBounded("parseClientHello()", hello, input.length);
  if (hello.serverName !== undefined) {
    ensure(
      /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/.test(hello.serverName),
      `server name "${hello.serverName}" is not a host name`,
    );
  }
  ensure(hello.alpn.length <= input.length, "more ALPN entries than bytes");
}

/** The target. */
export const target: FuzzTarget = {
  dictionary: [
    "\x16\x03\x01",
    "\x16\x03\x03",
    "\x01\x00",
    "\x00\x00", // server_name
    "\x00\x10", // ALPN
    "\x02h2",
    "\x08http/1.1",
    "\x00\x2b", // supported_versions
    ".",
    "..",
    "localhost",
    "\xff\xff",
  ],
  maxLength: 4096,
  open: () => ({ check }),
};
