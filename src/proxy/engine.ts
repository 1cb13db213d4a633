import net from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import type { LeafCache } from "../ca/mod.ts";
import type { EventFacts } from "../events/mod.ts";
import type { ActionName, PolicyIr } from "../policy/mod.ts";
import { isIpLiteral } from "./address.ts";
import type { EgressMode, EgressOptions } from "./options.ts";
import { judge, type Verdict } from "./verdict.ts";

/** Sockets idle this long are closed. */
export const IDLE_TIMEOUT_MS = 5 * 60 * 1000;
/** An upstream that does not connect (and finish TLS) this fast fails. */
export const CONNECT_TIMEOUT_MS = 30 * 1000;

/** An upstream connection failed (refused, unresolvable, or its certificate did not verify). */
export class UpstreamError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UpstreamError";
  }
}

/** State shared by every relayed connection: policy, mode, leaves, trust, open sockets. */
export class EgressEngine {
  ir: PolicyIr;
  mode: EgressMode;
  readonly options: EgressOptions;
  readonly leaves: LeafCache;
  readonly passthrough: Set<string>;
  readonly sockets = new Set<Duplex>();
  readonly #trust: string[];

  /** Creates the engine state. */
  constructor(options: EgressOptions, leaves: LeafCache) {
    this.ir = options.ir;
    this.mode = options.mode;
    this.options = options;
    this.leaves = leaves;
    this.passthrough = new Set((options.passthrough ?? []).map((h) => h.toLowerCase()));
    this.#trust = [...tls.rootCertificates, ...(options.upstreamCa ?? [])];
  }

  /** Tracks a socket until it closes, with the idle timeout; errors close it. */
  track<T extends Duplex>(socket: T): T {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    if (socket instanceof net.Socket) {
      socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    }
    return socket;
  }

  /** Decides with the current policy and mode. */
  judge(action: ActionName, resource: string, context?: Record<string, string>): Verdict {
    return judge(this.ir, this.mode, action, resource, context);
  }

  /** Emits an event; a sink that throws never breaks a connection. */
  emit(facts: EventFacts): void {
    try {
      this.options.events.emit(facts);
    } catch {
      // The sink contract says emit does not throw; a broken sink must not stop traffic.
    }
  }

  /**
   * Connects to `host:port`, with verified TLS (server name `host`, the system trust store
   * plus `upstreamCa`) when `secure`. Rejects with UpstreamError.
   */
  async dial(host: string, port: number, secure: boolean): Promise<Duplex> {
    let address = host;
    if (!isIpLiteral(host) && this.options.lookup) {
      try {
        address = await this.options.lookup(host);
      } catch (error) {
        throw new UpstreamError(`Cannot resolve "${host}"`, { cause: error });
      }
    }
    const socket = secure
      ? tls.connect({
        host: address,
        port,
        ...(isIpLiteral(host) ? {} : { servername: host }),
        ca: this.#trust,
        ALPNProtocols: ["http/1.1"],
        rejectUnauthorized: true,
      })
      : net.connect({ host: address, port, allowHalfOpen: true });
    const ready = secure ? "secureConnect" : "connect";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new UpstreamError(`Cannot connect to "${host}:${port}": timed out`));
      }, CONNECT_TIMEOUT_MS);
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.off("error", onError);
        resolve();
      });
      const onError = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        const what = secure
          ? `Cannot connect with TLS to "${host}:${port}"`
          : `Cannot connect to "${host}:${port}"`;
        reject(new UpstreamError(`${what}: ${error.message}`, { cause: error }));
      };
      socket.once("error", onError);
    });
    if (secure && !(socket as tls.TLSSocket).authorized) {
      socket.destroy();
      throw new UpstreamError(`Cannot verify the certificate of "${host}:${port}"`);
    }
    return this.track(socket);
  }
}
