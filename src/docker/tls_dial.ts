/**
 * One mutual-TLS connection to a `tcp://` engine, checked the way the Docker CLI checks it:
 * the certificate must name the host and chain to `ca.pem` itself. The TLS stack also accepts
 * its built-in public roots; leash refuses a chain that does not reach `ca.pem`, so a publicly
 * trusted certificate for the same name is not enough.
 */
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import tls from "node:tls";
import { rawConnOf } from "./_node_conn.ts";
import type { TlsMaterial } from "./tcp_security.ts";
import type { RawConn } from "./transport.ts";

/** Where to connect and with what. */
export interface TlsDialOptions {
  hostname: string;
  port: number;
  tls: TlsMaterial;
  /** Bound on connect + handshake. @default {10000} */
  timeoutMs?: number | undefined;
}

/** Connects, handshakes, checks the chain reaches ca.pem; rejects with the TLS stack's words. */
export async function dialTls(o: TlsDialOptions): Promise<RawConn> {
  // allowHalfOpen (a net.Socket option tls.connect passes on): attach ends its input while
  // the engine's output keeps coming.
  const options = {
    host: o.hostname,
    port: o.port,
    ca: o.tls.ca,
    cert: o.tls.cert,
    key: o.tls.key,
    allowHalfOpen: true,
    ...(isIP(o.hostname) ? {} : { servername: o.hostname }),
  } as tls.ConnectionOptions;
  const socket = tls.connect(options);
  const conn = rawConnOf(socket);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new DOMException(`no TLS handshake within ${o.timeoutMs ?? 10_000} ms`, "TimeoutError"),
        );
      }, o.timeoutMs ?? 10_000);
      socket.once("secureConnect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("error", (error: Error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    if (!chainReaches(socket.getPeerCertificate(true), o.tls.ca)) {
      throw new Error(
        "invalid peer certificate: UnknownIssuer (it chains to a built-in public root, not to ca.pem)",
      );
    }
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}

interface PeerCert {
  raw?: Uint8Array;
  issuerCertificate?: PeerCert;
}

/**
 * Whether the peer's chain reaches `caPem` by signatures: from the leaf, each certificate is
 * checked against the next one's key until one is signed by a certificate of `caPem`. A chain
 * that merely carries a copy of ca.pem does not pass.
 */
export function chainReaches(peer: PeerCert | undefined, caPem: string): boolean {
  const cas = (caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
    .map((pem) => new X509Certificate(pem));
  if (!peer?.raw) return false;
  let link: PeerCert = peer;
  let cert = new X509Certificate(peer.raw);
  for (let depth = 0; depth < 10; depth++) {
    if (cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) return true;
    const next = link.issuerCertificate;
    if (!next?.raw || next === link) return false;
    const issuer = new X509Certificate(next.raw);
    if (!(cert.checkIssued(issuer) && cert.verify(issuer.publicKey))) return false;
    link = next;
    cert = issuer;
  }
  return false;
}
