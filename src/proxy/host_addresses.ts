/**
 * The addresses of the host leash runs on, which the proxy never dials for the agent: every
 * interface address (v4 and v6) and every Docker network gateway the engine reports.
 */
import { canonicalIp } from "../net/mod.ts";

/** Extra addresses of the host beside its interfaces (Docker network gateways); may reject. */
export type HostAddressProvider = () => Promise<string[]>;

/** Options for {@linkcode HostAddresses}. */
export interface HostAddressesOptions {
  /** Reads the interface addresses. @default Deno.networkInterfaces */
  interfaces?: () => string[];
  /** How long the provider's answer is used before it is asked again. @default 5000 */
  refreshMs?: number;
  /** The clock. @default Date.now */
  now?: () => number;
}

/**
 * The host's addresses, fresh at each call: interfaces are read every time (a getifaddrs, about
 * 60 µs, against milliseconds for the dial it guards), so an interface that just came up is
 * never missed; the provider (a Docker API call) is asked at most once per `refreshMs` and its
 * answer awaited when older, so a new network's gateway is known within that bound. Gateways
 * of local bridge networks are interface addresses too; the provider adds those of engines
 * whose networks are not this kernel's (a VM, a remote engine). A provider that fails keeps
 * its last answer.
 */
export class HostAddresses {
  readonly #provider: HostAddressProvider | undefined;
  readonly #interfaces: () => string[];
  readonly #refreshMs: number;
  readonly #now: () => number;
  #extra: string[] = [];
  #at = -Infinity;
  #pending: Promise<void> | undefined;

  /** Creates the set; nothing is read before the first call. */
  constructor(provider?: HostAddressProvider, options: HostAddressesOptions = {}) {
    this.#provider = provider;
    this.#interfaces = options.interfaces ??
      (() => Deno.networkInterfaces().map((i) => i.address));
    this.#refreshMs = options.refreshMs ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  /** The canonical addresses of the host now. */
  async current(): Promise<ReadonlySet<string>> {
    if (this.#provider && this.#now() - this.#at >= this.#refreshMs) {
      this.#pending ??= this.#refresh(this.#provider).finally(() => this.#pending = undefined);
      await this.#pending;
    }
    const set = new Set<string>();
    for (const a of [...this.#interfaces(), ...this.#extra]) {
      const ip = canonicalIp(a);
      if (ip !== undefined) set.add(ip);
    }
    return set;
  }

  async #refresh(provider: HostAddressProvider): Promise<void> {
    try {
      this.#extra = await provider();
    } catch {
      // The engine is briefly unreachable: its networks did not change meanwhile, as far as
      // leash can tell; keep the last answer (interfaces are still read fresh).
    }
    this.#at = this.#now();
  }
}
