import dns from "node:dns/promises";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { LeafCache } from "../ca/mod.ts";
import type { EventFacts } from "../events/mod.ts";
import type { ActionName, PolicyIr } from "../policy/mod.ts";
import { isIpLiteral } from "../net/mod.ts";
import { type AddressContext, type AddressDecision, judgeAddress } from "./address_judge.ts";
import { HostAddresses } from "./host_addresses.ts";
import { connectVerifiedTls, type VerifiedTls } from "./deno_conn.ts";
import type { EgressMode, EgressOptions } from "./options.ts";
import { H2Pool } from "./h2_pool.ts";
import { UpstreamPool } from "./pool.ts";
import { judge, type Verdict, verdictFacts } from "./verdict.ts";

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

/** Options for {@linkcode EgressEngine.dial}. */
export interface DialOptions {
  /**
   * Gives up the dial when aborted (the client it is for went away): the connecting socket is
   * closed at once, not left to the kernel's SYN retries. @default undefined
   */
  signal?: AbortSignal;
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
  /** Bumped by each policy update: upstreams dialled before are not reused ({@linkcode poolKey}). */
  generation = 0;
  /** The host's own addresses (never dialled for the agent). */
  readonly hostAddresses: HostAddresses;
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
    this.hostAddresses = new HostAddresses(options.hostAddresses);
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

  /**
   * The pool key of upstream `key` under the current policy: an upstream's addresses were
   * judged with the policy of its dial, so after an update new requests dial afresh and the
   * older connections idle out.
   */
  poolKey(key: string): string {
    return `${key}#${this.generation}`;
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
  async dial(
    host: string,
    port: number,
    secure: boolean,
    options: DialOptions = {},
  ): Promise<Duplex> {
    return (await this.dialWith(host, port, secure ? ["http/1.1"] : undefined, options)).socket;
  }

  /**
   * Like {@linkcode EgressEngine.dial}, with verified TLS offering `alpn` when given (plain TCP
   * otherwise); also returns the protocol the upstream selected.
   */
  async dialWith(
    host: string,
    port: number,
    alpn?: string[],
    options: DialOptions = {},
  ): Promise<VerifiedTls> {
    const secure = alpn !== undefined;
    const what = secure
      ? `Cannot connect with TLS to "${host}:${port}"`
      : `Cannot connect to "${host}:${port}"`;
    const { signal } = options;
    const addresses = await this.#admitted(host, port, what);
    const dialPort = this.options.dialPort?.(host, port) ?? port;
    // One controller stops the attempt in flight, on the timeout or the caller's abort.
    const stop = new AbortController();
    const onAbort = () => stop.abort(new UpstreamError(`${what}: the client went away`));
    const stopped = new Promise<never>((_, reject) => {
      stop.signal.addEventListener("abort", () => reject(stop.signal.reason), { once: true });
    });
    stopped.catch(() => {}); // raced below; never an unhandled rejection
    const timer = setTimeout(
      () => stop.abort(new UpstreamError(`${what}: timed out`)),
      CONNECT_TIMEOUT_MS,
    );
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    let dialled: VerifiedTls | undefined;
    try {
      // Every admitted address in turn (as a resolver's client would); never one not judged.
      for (let i = 0; !dialled; i++) {
        const address = addresses[i]!;
        const connecting: Promise<VerifiedTls> = secure
          ? connectVerifiedTls({
            address,
            port: dialPort,
            serverName: host,
            caCerts: this.#extraCa,
            alpn,
            signal: stop.signal,
          })
          : connectTcp(address, dialPort, stop.signal).then((socket) => ({
            socket,
            protocol: null,
          }));
        try {
          dialled = await Promise.race([connecting, stopped]);
        } catch (error) {
          connecting.then((late) => late.socket.destroy(), () => {});
          if (error instanceof UpstreamError) throw error;
          if (i + 1 < addresses.length) continue;
          const reason = error instanceof Error ? error.message : String(error);
          throw new UpstreamError(`${what}: ${reason}`, { cause: error });
        }
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
    this.track(dialled.socket);
    return dialled;
  }

  /**
   * Resolves `host` and judges its addresses as a dial would, without connecting: a CONNECT is
   * answered only after this. Rejects with UpstreamError (AddressRefusedError for an address).
   */
  async checkUpstream(host: string, port: number): Promise<void> {
    await this.#admitted(host, port, `Cannot connect to "${host}:${port}"`);
  }

  /**
   * The addresses `host` may be dialled at, each judged by {@linkcode judgeAddress}: an IP
   * literal as is, a pinned name's address, else every address the system resolver gives
   * (resolved here, so the addresses judged are the ones dialled). Refused ones are reported
   * and skipped; none left rejects with {@linkcode AddressRefusedError}.
   */
  async #admitted(host: string, port: number, what: string): Promise<string[]> {
    let addresses: string[];
    let pinned = false;
    if (isIpLiteral(host)) addresses = [host];
    else {
      try {
        const pin = await this.options.lookup?.(host);
        pinned = pin !== undefined;
        addresses = pin !== undefined
          ? [pin]
          : (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
      } catch (error) {
        throw new UpstreamError(`Cannot resolve "${host}"`, { cause: error });
      }
    }
    const ctx = await this.addressContext(pinned);
    const admitted: string[] = [];
    let refusal: AddressDecision | undefined;
    for (const address of addresses) {
      const d = judgeAddress(address, port, ctx);
      if (d.verdict) {
        this.emit({
          event: "net.connect",
          ...verdictFacts(d.verdict),
          host,
          addr: d.address,
          port,
          message: d.ok ? `would refuse: ${d.address} (${host})` : `${what}: ${d.reason}`,
        });
      }
      if (d.ok) admitted.push(d.address);
      else refusal ??= d;
    }
    if (admitted.length === 0) {
      const reason = refusal && !refusal.ok ? refusal.reason : "no address";
      throw new AddressRefusedError(`${what}: ${reason}`, refusal?.verdict !== undefined);
    }
    return admitted;
  }

  /**
   * Why leash's DNS must not hand `address` to the target as an answer for `name`, or undefined:
   * the judge of a dial, without a port (only a forbid on every port counts); a pinned name's
   * answer may be a host address.
   */
  async withholdAnswer(name: string, address: string): Promise<string | undefined> {
    const pinned = (await this.options.lookup?.(name).catch(() => undefined)) !== undefined;
    const d = judgeAddress(address, undefined, await this.addressContext(pinned));
    return d.ok ? undefined : d.reason;
  }

  /** What {@linkcode judgeAddress} needs now: policy, mode, the host's addresses, the pins. */
  async addressContext(pinned: boolean): Promise<AddressContext> {
    return {
      ir: this.ir,
      mode: this.mode,
      hostAddresses: await this.hostAddresses.current(),
      pinned,
      allowHostLocal: this.options.allowHostLocal ?? false,
      reserved: this.options.reserved ?? [],
    };
  }
}

/** A dial refused because of the address it would reach (the host's own, a forbidden one). */
export class AddressRefusedError extends UpstreamError {
  /** Whether a policy rule refused it (403) rather than the host protection (502). */
  readonly byRule: boolean;
  /** Creates the error. */
  constructor(message: string, byRule: boolean) {
    super(message);
    this.name = "AddressRefusedError";
    this.byRule = byRule;
  }
}

function connectTcp(host: string, port: number, signal: AbortSignal): Promise<Duplex> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    // Stopped before it connected: close it now rather than leave it to the SYN retries.
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    socket.setNoDelay(true);
    socket.once("connect", () => {
      signal.removeEventListener("abort", onAbort);
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", (error) => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(error);
    });
  });
}
