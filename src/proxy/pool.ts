import type { Duplex } from "node:stream";
import { hostPort } from "../net/mod.ts";
import type { StreamReader } from "./stream.ts";

/** The pool key of an upstream: `scheme://host:port` (one format for every caller). */
export function upstreamKey(scheme: "http" | "https", host: string, port: number): string {
  return `${scheme}://${hostPort(host, port)}`;
}

/** An upstream connection and its reader, keyed by {@linkcode upstreamKey}. */
export interface Upstream {
  key: string;
  socket: Duplex;
  reader: StreamReader;
}

/** Options for {@linkcode UpstreamPool}. */
export interface UpstreamPoolOptions {
  /** Idle connections kept per key. @default 8 */
  maxPerKey?: number;
  /** An idle connection is closed after this long. @default 30 s */
  idleMs?: number;
}

/**
 * Idle upstream connections for reuse by later client connections to the same
 * scheme, host and port (TLS was verified for that host when the connection was made).
 */
export class UpstreamPool {
  readonly #idle = new Map<
    string,
    { upstream: Upstream; timer: ReturnType<typeof setTimeout> }[]
  >();
  readonly #maxPerKey: number;
  readonly #idleMs: number;

  /** Creates an empty pool. */
  constructor(options: UpstreamPoolOptions = {}) {
    this.#maxPerKey = options.maxPerKey ?? 8;
    this.#idleMs = options.idleMs ?? 30_000;
  }

  /** Idle connections held. */
  get size(): number {
    let n = 0;
    for (const list of this.#idle.values()) n += list.length;
    return n;
  }

  /** Whether `socket` is idle in the pool. */
  holds(socket: Duplex): boolean {
    for (const list of this.#idle.values()) {
      if (list.some((e) => e.upstream.socket === socket)) return true;
    }
    return false;
  }

  /** A live idle connection for `key`, removed from the pool, or undefined. */
  take(key: string): Upstream | undefined {
    const list = this.#idle.get(key);
    while (list && list.length > 0) {
      const entry = list.pop()!;
      clearTimeout(entry.timer);
      if (list.length === 0) this.#idle.delete(key);
      if (!entry.upstream.reader.spent) return entry.upstream;
      entry.upstream.socket.destroy();
    }
    return undefined;
  }

  /** Keeps `upstream` for reuse, or closes it when it cannot be reused or the pool is full. */
  put(upstream: Upstream): void {
    const list = this.#idle.get(upstream.key) ?? [];
    if (upstream.reader.spent || list.length >= this.#maxPerKey) {
      upstream.socket.destroy();
      return;
    }
    const entry = {
      upstream,
      timer: setTimeout(() => this.#remove(upstream), this.#idleMs),
    };
    list.push(entry);
    this.#idle.set(upstream.key, list);
    upstream.socket.once("close", () => this.#remove(upstream));
  }

  /** Closes every idle connection. */
  clear(): void {
    for (const list of this.#idle.values()) {
      for (const e of list) {
        clearTimeout(e.timer);
        e.upstream.socket.destroy();
      }
    }
    this.#idle.clear();
  }

  #remove(upstream: Upstream): void {
    const list = this.#idle.get(upstream.key);
    if (!list) return;
    const at = list.findIndex((e) => e.upstream === upstream);
    if (at < 0) return;
    clearTimeout(list[at]!.timer);
    list.splice(at, 1);
    if (list.length === 0) this.#idle.delete(upstream.key);
    upstream.socket.destroy();
  }
}
