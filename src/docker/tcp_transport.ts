/**
 * The engine over TCP: mutual TLS (`dockerd --tlsverify`), or plain HTTP when the user accepted
 * it (`LEASH_DOCKER_INSECURE=1`). Every TLS connection is made by `tls_dial.ts`, which checks
 * the engine's certificate against ca.pem alone; Deno's HTTP client reaches those connections
 * through a private unix socket (`_bridge.ts`) and pools them. Hijacked requests (attach) get
 * a TLS connection of their own.
 */
import { LocalBridge } from "./_bridge.ts";
import type { TlsMaterial } from "./tcp_security.ts";
import { tcpConnectionError } from "./tcp_errors.ts";
import { localAddressTo } from "./local_address.ts";
import { dialTls } from "./tls_dial.ts";
import { type DockerTransport, type RawConn, UnixSocketTransport } from "./transport.ts";

/** Options of {@linkcode TcpTransport.open}. */
export interface TcpTransportOptions {
  hostname: string;
  port: number;
  /** TLS material; undefined means plain tcp (the caller checked the user accepted it). */
  tls: TlsMaterial | undefined;
  /** The DOCKER_HOST value, for messages. */
  address: string;
  /**
   * Bound on the first request (the ping) and on each connect + handshake, so an address that
   * drops packets fails in seconds rather than at the kernel's connect timeout. @default {10000}
   */
  timeoutMs?: number | undefined;
}

/** Talks HTTP/1.1 to the engine over TCP, with TLS unless told otherwise. */
export class TcpTransport implements DockerTransport {
  readonly socket: string;
  readonly description: string;
  readonly remote = true;
  #o: TcpTransportOptions;
  #bridge: LocalBridge | undefined;
  #inner: UnixSocketTransport | undefined;
  #plain: Deno.HttpClient | undefined;
  #origin: string;
  #answered = false;

  private constructor(options: TcpTransportOptions, bridge: LocalBridge | undefined) {
    this.#o = options;
    this.socket = options.address;
    const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
    this.description = `${options.tls ? "tcp+tls" : "tcp (no TLS)"} ${host}:${options.port}`;
    this.#bridge = bridge;
    if (bridge) {
      this.#inner = new UnixSocketTransport(bridge.path);
      this.#origin = "";
    } else {
      this.#plain = Deno.createHttpClient({ http2: false });
      this.#origin = `http://${host}:${options.port}`;
    }
  }

  /** Makes the transport; with TLS it opens the private socket its HTTP client uses. */
  static async open(options: TcpTransportOptions): Promise<TcpTransport> {
    const tls = options.tls;
    if (!tls) return new TcpTransport(options, undefined);
    const dial = () =>
      dialTls({
        hostname: options.hostname,
        port: options.port,
        tls,
        timeoutMs: options.timeoutMs,
      });
    return new TcpTransport(options, await LocalBridge.open(dial, "leash-tls-"));
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    let signal = init.signal ?? undefined;
    if (!this.#answered) {
      const timeout = AbortSignal.timeout(this.#o.timeoutMs ?? 10_000);
      signal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    }
    const withSignal = signal ? { ...init, signal } : init;
    try {
      const response = this.#inner
        ? await this.#inner.fetch(path, withSignal)
        : await fetch(`${this.#origin}${path}`, { ...withSignal, client: this.#plain! });
      this.#answered = true;
      return response;
    } catch (error) {
      if (init.signal?.aborted) throw error;
      const cause = await this.#bridge?.failure(2000) ?? error;
      throw tcpConnectionError(this.#o, cause);
    }
  }

  async connect(): Promise<RawConn> {
    const { hostname, port, tls } = this.#o;
    try {
      if (!tls) return await Deno.connect({ hostname, port });
      return await dialTls({ hostname, port, tls, timeoutMs: this.#o.timeoutMs });
    } catch (error) {
      throw tcpConnectionError(this.#o, error);
    }
  }

  /** The local end of a TCP connection to the engine's host and port (closed at once). */
  localAddress(): Promise<string> {
    return localAddressTo(this.#o.hostname, this.#o.port);
  }

  close(): void {
    this.#inner?.close();
    this.#bridge?.close();
    this.#plain?.close();
  }
}
