/**
 * The engine over TCP: HTTPS with mutual TLS (`dockerd --tlsverify`), or plain HTTP when the
 * user accepted it (`LEASH_DOCKER_INSECURE=1`). Deno's HTTP client pools the connections;
 * hijacked requests (attach) get a connection of their own. The engine's certificate must
 * name the host of DOCKER_HOST and chain to ca.pem (Deno adds ca.pem to its built-in public
 * roots, it cannot replace them); leash always presents its client certificate.
 */
import type { DockerTransport, RawConn } from "./transport.ts";
import type { TlsMaterial } from "./tcp_security.ts";
import { tcpConnectionError } from "./tcp_errors.ts";

/** Options of {@linkcode TcpTransport}. */
export interface TcpTransportOptions {
  hostname: string;
  port: number;
  /** TLS material; undefined means plain tcp (the caller checked the user accepted it). */
  tls: TlsMaterial | undefined;
  /** The DOCKER_HOST value, for messages. */
  address: string;
  /**
   * Bound on the first request (the ping), so an address that drops packets fails in seconds
   * rather than at the kernel's connect timeout. @default {10000}
   */
  firstRequestTimeoutMs?: number;
}

/** Talks HTTP/1.1 to the engine over TCP, with TLS unless told otherwise. */
export class TcpTransport implements DockerTransport {
  readonly socket: string;
  readonly description: string;
  readonly remote = true;
  #o: TcpTransportOptions;
  #client: Deno.HttpClient;
  #origin: string;
  #answered = false;

  constructor(options: TcpTransportOptions) {
    this.#o = options;
    this.socket = options.address;
    const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
    this.description = `${options.tls ? "tcp+tls" : "tcp (no TLS)"} ${host}:${options.port}`;
    this.#origin = `${options.tls ? "https" : "http"}://${host}:${options.port}`;
    const tls = options.tls;
    this.#client = tls
      ? Deno.createHttpClient({ caCerts: [tls.ca], cert: tls.cert, key: tls.key, http2: false })
      : Deno.createHttpClient({ http2: false });
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    let signal = init.signal ?? undefined;
    if (!this.#answered) {
      const timeout = AbortSignal.timeout(this.#o.firstRequestTimeoutMs ?? 10_000);
      signal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    }
    try {
      const response = await fetch(`${this.#origin}${path}`, {
        ...init,
        ...(signal ? { signal } : {}),
        client: this.#client,
      });
      this.#answered = true;
      return response;
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw tcpConnectionError(this.#o, error);
    }
  }

  async connect(): Promise<RawConn> {
    const { hostname, port, tls } = this.#o;
    try {
      if (!tls) return await Deno.connect({ hostname, port });
      const conn = await Deno.connectTls({
        hostname,
        port,
        caCerts: [tls.ca],
        cert: tls.cert,
        key: tls.key,
      });
      await conn.handshake();
      return conn;
    } catch (error) {
      throw tcpConnectionError(this.#o, error);
    }
  }

  close(): void {
    this.#client.close();
  }
}
