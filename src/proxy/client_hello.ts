/** Reads the server name (SNI) and ALPN offer from a TLS ClientHello, without a TLS library. */

/** What the proxy needs from a ClientHello. */
export interface ClientHelloInfo {
  /** The SNI host name, lower-cased; absent when the client sent none (IP literals). */
  serverName?: string;
  /** ALPN protocols offered. */
  alpn: string[];
}

/** Whether `bytes` start like a TLS handshake record. */
export function looksLikeTls(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x16 && bytes[1] === 0x03;
}

/**
 * Bytes needed before {@linkcode parseClientHello} can answer: the first record's length
 * (5-byte header plus its body), or 5 when even the header is incomplete.
 */
export function clientHelloLength(bytes: Uint8Array): number {
  if (bytes.length < 5) return 5;
  return 5 + ((bytes[3]! << 8) | bytes[4]!);
}

/** Parses the ClientHello in the first TLS record; throws SyntaxError when malformed. */
export function parseClientHello(bytes: Uint8Array): ClientHelloInfo {
  const fail = (what: string): never => {
    throw new SyntaxError(`Cannot parse TLS ClientHello: ${what}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!looksLikeTls(bytes)) fail("not a TLS handshake record");
  const end = clientHelloLength(bytes);
  if (bytes.length < end) fail("record incomplete");
  let at = 5;
  const need = (n: number) => {
    if (at + n > end) fail("truncated");
  };
  need(4);
  if (bytes[at] !== 1) fail("not a ClientHello");
  const bodyLength = (bytes[at + 1]! << 16) | view.getUint16(at + 2);
  at += 4;
  const helloEnd = Math.min(end, at + bodyLength);
  need(2 + 32 + 1);
  at += 2 + 32;
  at += 1 + bytes[at]!; // session id
  need(2);
  at += 2 + view.getUint16(at); // cipher suites
  need(1);
  at += 1 + bytes[at]!; // compression methods
  const info: ClientHelloInfo = { alpn: [] };
  if (at >= helloEnd) return info;
  need(2);
  const extEnd = Math.min(helloEnd, at + 2 + view.getUint16(at));
  at += 2;
  while (at + 4 <= extEnd) {
    const type = view.getUint16(at);
    const length = view.getUint16(at + 2);
    at += 4;
    if (at + length > extEnd) fail("extension overruns the message");
    const ext = bytes.subarray(at, at + length);
    const ev = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
    if (type === 0 && length >= 5) {
      let p = 2;
      const listEnd = Math.min(length, 2 + ev.getUint16(0));
      while (p + 3 <= listEnd) {
        const nameType = ext[p]!;
        const nameLength = ev.getUint16(p + 1);
        p += 3;
        if (p + nameLength > listEnd) fail("server name overruns its list");
        if (nameType === 0) {
          const name = new TextDecoder().decode(ext.subarray(p, p + nameLength));
          // Labels, one optional final dot: "a..b" or "a.." would name no host.
          if (name.length > 253 || !/^(?:[A-Za-z0-9_-]+\.)*[A-Za-z0-9_-]+\.?$/.test(name)) {
            fail(`bad server name "${name}"`);
          }
          info.serverName = name.toLowerCase().replace(/\.$/, "");
        }
        p += nameLength;
      }
    } else if (type === 16 && length >= 2) {
      let p = 2;
      const listEnd = Math.min(length, 2 + ev.getUint16(0));
      while (p < listEnd) {
        const n = ext[p]!;
        info.alpn.push(new TextDecoder().decode(ext.subarray(p + 1, p + 1 + n)));
        p += 1 + n;
      }
    }
    at += length;
  }
  return info;
}
