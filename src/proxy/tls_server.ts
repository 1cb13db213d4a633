/**
 * The server side of TLS with the client (the MITM), built on `node:tls` as DESIGN.md §5 asks,
 * hardened against a fault of Deno 2.9's polyfill: `TLSSocket._start` (run on the next tick
 * after the constructor) calls `this._handle.start()`, which feeds the buffered ClientHello to
 * rustls at once; a hello it refuses (`curl --http1.0` offers only ALPN `http/1.0`, answered with
 * `no_application_protocol`) emits `error` synchronously, any listener that destroys the socket
 * then (ours do) sets `_handle` to null, and `_start` goes on to read `this._handle._flushEncOut`:
 * an uncaught TypeError on the next tick that ends the host process. Here `_start` is guarded:
 * whatever it throws destroys that one socket with the error instead.
 */
import tls from "node:tls";
import type { Duplex } from "node:stream";

/** The polyfill's private start, run by the constructor on the next tick. */
interface Startable {
  _start(): void;
}

const polyfillStart = (tls.TLSSocket.prototype as unknown as Partial<Startable>)._start;

/** A server TLSSocket whose start never throws out of the tick it runs in. */
class GuardedTlsSocket extends tls.TLSSocket {
  /** Runs the polyfill's start; what it throws (a socket destroyed meanwhile) ends this socket. */
  _start(): void {
    try {
      polyfillStart?.call(this);
    } catch (error) {
      this.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** Options for {@linkcode serverTlsSocket}. */
export interface ServerTlsOptions {
  /** The leaf presented to the client. */
  secureContext: tls.SecureContext;
  /** The one application protocol offered (ALPN). */
  alpn: string;
}

/**
 * Starts the server side of a TLS handshake over `transport`; the socket emits `secure`, or
 * `error`/`close` when the client's hello or handshake fails, and never throws past its caller.
 */
export function serverTlsSocket(transport: Duplex, options: ServerTlsOptions): tls.TLSSocket {
  if (polyfillStart === undefined) {
    // Another runtime (or a Deno whose TLSSocket has no _start): nothing to guard.
    return new tls.TLSSocket(transport, {
      isServer: true,
      secureContext: options.secureContext,
      ALPNProtocols: [options.alpn],
    });
  }
  return new GuardedTlsSocket(transport, {
    isServer: true,
    secureContext: options.secureContext,
    ALPNProtocols: [options.alpn],
  });
}
