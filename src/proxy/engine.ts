import dns from "node:dns/promises";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { LeafCache } from "../ca/mod.ts";
import type { EventFacts } from "../events/mod.ts";
import type { ActionName, PolicyIr } from "../policy/mod.ts";
import { hostLocalKind, isIpLiteral } from "./address.ts";
import { connectVerifiedTls, type VerifiedTls } from "./deno_conn.ts";
import type { EgressMode, EgressOptions } from "./options.ts";
import { H2Pool } from "./h2_pool.ts";
import { UpstreamPool } from "./pool.ts";
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
  readonly pool = new UpstreamPool();
  readonly h2 = new H2Pool();
  /** Names a DNS answer's addresses in the kernel before it is sent (set at activation). */
  permitAnswers: ((addrs: string[], ttlS: number) => Promise<void>) | undefined;
  readonly #extraCa: string[];

  /** Creates the engine state. */
  constructor(options: EgressOptions, leaves: LeafCache) {
    this.ir = options.ir;
    this.mode = options.mode;
    this.options = options;
    this.leaves = leaves;
    this.passthrough = new Set((options.passthrough ?? []).map((h) => h.toLowerCase()));
    this.#extraCa = options.upstreamCa ?? [];
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
    return (await this.dialWith(host, port, secure ? ["http/1.1"] : undefined)).socket;
  }

  /**
   * Like {@linkcode EgressEngine.dial}, with verified TLS offering `alpn` when given (plain TCP
   * otherwise); also returns the protocol the upstream selected.
   */
  async dialWith(host: string, port: number, alpn?: string[]): Promise<VerifiedTls> {
    const secure = alpn !== undefined;
    const what = secure
      ? `Cannot connect with TLS to "${host}:${port}"`
      : `Cannot connect to "${host}:${port}"`;
    const { address, pinned } = await this.#resolve(host);
    this.#refuseHostLocal(what, address, port, pinned);
    const connecting: Promise<VerifiedTls> = secure
      ? connectVerifiedTls({ address, port, serverName: host, caCerts: this.#extraCa, alpn })
      : connectTcp(address, port).then((socket) => ({ socket, protocol: null }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UpstreamError(`${what}: timed out`)), CONNECT_TIMEOUT_MS);
    });
    let dialled: VerifiedTls;
    try {
      dialled = await Promise.race([connecting, timeout]);
    } catch (error) {
      connecting.then((late) => late.socket.destroy(), () => {});
      if (error instanceof UpstreamError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new UpstreamError(`${what}: ${reason}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    this.track(dialled.socket);
    return dialled;
  }

  /**
   * Resolves `host` and applies the address checks a dial would (the host's own and reserved
   * addresses), without connecting: a CONNECT is answered only after this. Rejects with
   * UpstreamError.
   */
  async checkUpstream(host: string, port: number): Promise<void> {
    const { address, pinned } = await this.#resolve(host);
    this.#refuseHostLocal(`Cannot connect to "${host}:${port}"`, address, port, pinned);
  }

  /**
   * The address to dial for `host`: an IP literal as is, a pinned name's address, else the
   * system resolver's first answer (resolved here, so the address checked is the one dialled).
   */
  async #resolve(host: string): Promise<{ address: string; pinned: boolean }> {
    if (isIpLiteral(host)) return { address: host, pinned: false };
    try {
      const pin = await this.options.lookup?.(host);
      if (pin !== undefined) return { address: pin, pinned: true };
      return { address: (await dns.lookup(host, { verbatim: true })).address, pinned: false };
    } catch (error) {
      throw new UpstreamError(`Cannot resolve "${host}"`, { cause: error });
    }
  }

  /** Refuses the host's own addresses (unless pinned or allowed) and reserved ones (the UI). */
  #refuseHostLocal(what: string, address: string, port: number, pinned: boolean): void {
    const reserved = (this.options.reserved ?? []).some((r) =>
      r.port === port &&
      (r.hostname === address ||
        (r.hostname === "localhost" && hostLocalKind(address) === "loopback") ||
        // Bound to every address: any address of this host reaches it, remote ones do not.
        (hostLocalKind(r.hostname) === "unspecified" &&
          (hostLocalKind(address) !== undefined || hostAddresses().has(address))))
    );
    if (reserved) {
      throw new UpstreamError(
        `${what}: ${address}:${port} is leash's control UI, never the agent's`,
      );
    }
    const kind = hostLocalKind(address);
    if (kind && !pinned && !this.options.allowHostLocal) {
      throw new UpstreamError(
        `${what}: ${address} is a ${kind} address of the host leash runs on; the agent never reaches the host's own services (pin a name with LEASH_UPSTREAM_HOSTS=NAME=${address} to allow one)`,
      );
    }
  }
}

function connectTcp(host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    socket.setNoDelay(true);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/** The addresses of this host's interfaces (as the kernel reports them now). */
function hostAddresses(): Set<string> {
  return new Set(Deno.networkInterfaces().map((i) => i.address));
}
