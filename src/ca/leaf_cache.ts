import { createSecureContext, type SecureContext } from "node:tls";
import type { LeafCertificate, LeafMinter } from "./leaf.ts";
import { parseLeafHost } from "./leaf_host.ts";

/** A cached leaf and its ready TLS context (for an `SNICallback`). */
export interface CachedLeaf {
  leaf: LeafCertificate;
  secureContext: SecureContext;
}

/** Options for {@linkcode LeafCache}. */
export interface LeafCacheOptions {
  /** Most hosts kept; the least recently used is evicted beyond it. @default 1000 */
  maxEntries?: number;
  /** A cached leaf this close to its notAfter is minted again. @default one day */
  renewBeforeMs?: number;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
}

/** The `SNICallback` signature of `tls.createServer`. */
export type SniCallback = (
  servername: string,
  callback: (error: Error | null, context?: SecureContext) => void,
) => void;

/** Options for {@linkcode LeafCache.sniCallback}. */
export interface SniCallbackOptions {
  /** Host whose leaf answers a client that sent no server name (e.g. the original destination IP). */
  defaultHost?: string;
}

interface Entry {
  promise: Promise<CachedLeaf>;
  value?: CachedLeaf;
}

/**
 * LRU cache of leaf certificates keyed by canonical host. Concurrent requests for
 * one host share a single mint; a failed mint is not cached.
 */
export class LeafCache {
  readonly #minter: LeafMinter;
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #renewBeforeMs: number;
  readonly #now: () => Date;

  /** Creates an empty cache over `minter`. */
  constructor(minter: LeafMinter, options: LeafCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? 1000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(
        `Cannot create a leaf cache of "${maxEntries}" entries: need at least 1`,
      );
    }
    this.#minter = minter;
    this.#maxEntries = maxEntries;
    this.#renewBeforeMs = options.renewBeforeMs ?? 24 * 60 * 60 * 1000;
    this.#now = options.now ?? (() => new Date());
  }

  /** Number of hosts cached or being minted. */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether `host` (in any spelling that canonicalises to it) is cached; does not touch the LRU order. */
  has(host: string): boolean {
    try {
      return this.#entries.has(parseLeafHost(host).name);
    } catch {
      return false;
    }
  }

  /** The leaf and TLS context for `host`, minted on a miss; rejects with TypeError for an invalid host. */
  get(host: string): Promise<CachedLeaf> {
    let key: string;
    try {
      key = parseLeafHost(host).name;
    } catch (error) {
      return Promise.reject(error);
    }
    const hit = this.#entries.get(key);
    if (hit && !this.#expiring(hit)) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.promise;
    }
    if (hit) this.#entries.delete(key);
    const entry: Entry = { promise: this.#mint(key) };
    entry.promise.then(
      (value) => {
        entry.value = value;
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return entry.promise;
  }

  /** A ready `tls.SecureContext` for `host`. */
  async secureContext(host: string): Promise<SecureContext> {
    return (await this.get(host)).secureContext;
  }

  /**
   * An `SNICallback` for `tls.createServer` serving a leaf per requested server name.
   * Deno calls it with "" when the client sent no SNI (an IP literal): then the leaf
   * for `defaultHost` is served, or the server's own default context when none is given.
   */
  sniCallback(options: SniCallbackOptions = {}): SniCallback {
    return (servername, callback) => {
      const host = servername === "" ? options.defaultHost : servername;
      if (host === undefined) {
        callback(null);
        return;
      }
      this.get(host).then(
        (cached) => callback(null, cached.secureContext),
        (error) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    };
  }

  /** Drops every cached leaf. */
  clear(): void {
    this.#entries.clear();
  }

  #expiring(entry: Entry): boolean {
    if (!entry.value) return false;
    return entry.value.leaf.notAfter.getTime() - this.#now().getTime() < this.#renewBeforeMs;
  }

  async #mint(host: string): Promise<CachedLeaf> {
    const leaf = await this.#minter.mint(host);
    return { leaf, secureContext: createSecureContext({ cert: leaf.certPem, key: leaf.keyPem }) };
  }
}
