import { Duplex } from "node:stream";

/** Size of the slab reads fill from a Deno connection. */
const READ_SIZE = 64 * 1024;
/** A read gets at least this much room (a TLS record and its header). */
const MIN_READ = 17 * 1024;

/**
 * A node Duplex over a Deno connection that reads only when the consumer asks (node:tls's
 * client socket under Deno 2.9 reads ahead without bound, so a fast upstream would be
 * buffered whole in memory).
 */
export function connDuplex(conn: Deno.Conn, idleMs: number = 5 * 60 * 1000): Duplex {
  let closed = false;
  let idle: ReturnType<typeof setTimeout> | undefined;
  let last = Date.now();
  // One timer per idle period, not one per read: it re-arms itself for what is left.
  const check = () => {
    if (closed) return;
    const left = last + idleMs - Date.now();
    if (left <= 0) duplex.destroy(new Error("Idle timeout"));
    else idle = setTimeout(check, left);
  };
  const touch = () => {
    last = Date.now();
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
  let slab = new Uint8Array(READ_SIZE);
  let used = 0;
  const duplex: Duplex = new Duplex({
    allowHalfOpen: true,
    read() {
      // Reads fill a shared slab from where the last one ended (a pushed chunk is never
      // written again); a fresh zeroed 64 KiB per read cost a third of the download rate.
      if (READ_SIZE - used < MIN_READ) {
        slab = new Uint8Array(READ_SIZE);
        used = 0;
      }
      const buffer = slab.subarray(used);
      conn.read(buffer).then(
        (n) => {
          touch();
          if (n !== null) used += n;
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
  idle = setTimeout(check, idleMs);
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
  /** ALPN protocols offered, in preference order. @default ["http/1.1"] */
  alpn?: string[];
  /** Closes the connection being made when aborted. @default undefined */
  signal?: AbortSignal;
}

/** A verified TLS stream and the application protocol the server selected (null: none). */
export interface VerifiedTls {
  socket: Duplex;
  protocol: string | null;
}

/** Dials TCP, runs a verified TLS handshake for `serverName`, returns the stream. */
export async function connectVerifiedTls(options: VerifiedTlsOptions): Promise<VerifiedTls> {
  const tcp = await Deno.connect({
    hostname: options.address,
    port: options.port,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // Small request heads must not wait for delayed ACKs (Nagle).
  tcp.setNoDelay(true);
  let tls: Deno.TlsConn;
  try {
    tls = await Deno.startTls(tcp, {
      hostname: options.serverName,
      caCerts: options.caCerts,
      alpnProtocols: options.alpn ?? ["http/1.1"],
    });
  } catch (error) {
    tcp.close();
    throw error;
  }
  let protocol: string | null;
  try {
    protocol = (await tls.handshake()).alpnProtocol;
  } catch (error) {
    tls.close();
    throw error;
  }
  return { socket: connDuplex(tls), protocol };
}

/**
 * A plain node Duplex relaying `inner` with backpressure: Deno 2.9's node:http2 server never
 * reads from a node:tls server socket built over another socket (the handshake completes, no
 * stream arrives), but serves the same bytes through a plain Duplex. `inner` is read only while
 * `mayRead()` allows it.
 */
export function relayDuplex(inner: Duplex, mayRead: () => boolean = () => true): Duplex {
  const outer: Duplex = new Duplex({
    allowHalfOpen: true,
    read() {
      if (mayRead()) inner.resume();
    },
    write(chunk: Uint8Array, _encoding, callback) {
      if (inner.destroyed) return callback(new Error("Cannot write: the socket is closed"));
      if (inner.write(chunk)) callback();
      else inner.once("drain", () => callback());
    },
    final(callback) {
      inner.end(() => callback());
    },
    destroy(error, callback) {
      inner.destroy();
      callback(error);
    },
  });
  inner.on("data", (chunk: Uint8Array) => {
    if (!outer.push(chunk)) inner.pause();
  });
  inner.on("end", () => outer.push(null));
  inner.on("close", () => outer.destroy());
  inner.on("error", (error: Error) => outer.destroy(error));
  return outer;
}

/** How a reader reports its progress to a {@linkcode readAheadGate}. */
export interface ReadProgress {
  /** `bytes` were taken by the reader. */
  consumed(bytes: number): void;
  /** The reader has nothing left and waits for more. */
  starving(): void;
}

/**
 * A Duplex over `inner` (the client's transport) that stops reading it once more than `limit`
 * bytes were taken beyond what the reader of the TLS socket built on top consumed. Deno 2.9's
 * TLS socket reads its transport without bound whatever its own reader does, so without this
 * an upload to a slow upstream is held whole in memory. The count compares ciphertext taken
 * with plaintext consumed; TLS overhead makes it drift upward, so a starving reader resets it
 * (all that was taken is then consumed) and reading goes on.
 */
export function readAheadGate(
  inner: Duplex,
  limit: number = 1024 * 1024,
): { transport: Duplex; progress: ReadProgress; open(): void } {
  let debt = 0;
  const transport = relayDuplex(inner, () => debt <= limit);
  inner.on("data", (chunk: Uint8Array) => {
    debt += chunk.length;
    if (debt > limit) inner.pause();
  });
  const wake = () => {
    if (debt <= limit && inner.isPaused() && !inner.destroyed) inner.resume();
  };
  return {
    transport,
    progress: {
      consumed(bytes) {
        debt = Math.max(0, debt - bytes);
        wake();
      },
      starving() {
        debt = 0;
        wake();
      },
    },
    /** No gating from now on (for a reader with flow control of its own, e.g. HTTP/2). */
    open() {
      limit = Infinity;
      wake();
    },
  };
}
