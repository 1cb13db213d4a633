import { Duplex } from "node:stream";

/** Bytes read per pull from a Deno connection. */
const READ_SIZE = 64 * 1024;

/**
 * A node Duplex over a Deno connection that reads only when the consumer asks (node:tls's
 * client socket under Deno 2.9 reads ahead without bound, so a fast upstream would be
 * buffered whole in memory).
 */
export function connDuplex(conn: Deno.Conn, idleMs: number = 5 * 60 * 1000): Duplex {
  let closed = false;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const touch = () => {
    clearTimeout(idle);
    if (!closed) idle = setTimeout(() => duplex.destroy(new Error("Idle timeout")), idleMs);
  };
  const close = () => {
    clearTimeout(idle);
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch {
      // already closed
    }
  };
  const duplex: Duplex = new Duplex({
    allowHalfOpen: true,
    read() {
      const buffer = new Uint8Array(READ_SIZE);
      conn.read(buffer).then(
        (n) => {
          touch();
          this.push(n === null ? null : buffer.subarray(0, n));
        },
        (error) => this.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    },
    write(chunk: Uint8Array, _encoding, callback) {
      (async () => {
        let at = 0;
        while (at < chunk.length) at += await conn.write(chunk.subarray(at));
      })().then(() => {
        touch();
        callback();
      }, (error) => callback(error));
    },
    final(callback) {
      conn.closeWrite().then(() => callback(), () => callback());
    },
    destroy(error, callback) {
      close();
      callback(error);
    },
  });
  touch();
  return duplex;
}

/** Options for {@linkcode connectVerifiedTls}. */
export interface VerifiedTlsOptions {
  /** Address to dial. */
  address: string;
  port: number;
  /** Name the certificate must be valid for (SNI). */
  serverName: string;
  /** Extra PEM roots beside the built-in store. */
  caCerts: string[];
}

/** Dials TCP, runs a verified TLS handshake for `serverName`, returns the stream. */
export async function connectVerifiedTls(options: VerifiedTlsOptions): Promise<Duplex> {
  const tcp = await Deno.connect({ hostname: options.address, port: options.port });
  // Small request heads must not wait for delayed ACKs (Nagle).
  tcp.setNoDelay(true);
  let tls: Deno.TlsConn;
  try {
    tls = await Deno.startTls(tcp, {
      hostname: options.serverName,
      caCerts: options.caCerts,
      alpnProtocols: ["http/1.1"],
    });
  } catch (error) {
    tcp.close();
    throw error;
  }
  try {
    await tls.handshake();
  } catch (error) {
    tls.close();
    throw error;
  }
  return connDuplex(tls);
}
