import type { CertificateAuthority } from "../ca/mod.ts";
import type { EventSink } from "../events/mod.ts";
import type { PolicyIr } from "../policy/mod.ts";
import type { SecretStore } from "../secrets/mod.ts";
import type { HostAddressProvider } from "./host_addresses.ts";

/** How decisions apply: log only, log what would be denied, or deny. */
export type EgressMode = "record" | "shadow" | "enforce";

/** Options for {@linkcode startEgress}. */
export interface EgressOptions {
  /** Unix socket the relay opens per TCP connection (created 0600). */
  proxySocket: string;
  /** Unix socket the relay opens per DNS query (created 0600). */
  dnsSocket: string;
  /** The compiled policy. */
  ir: PolicyIr;
  /** The CA that signs the leaves presented to the target. */
  ca: Pick<CertificateAuthority, "certPem" | "keyPem">;
  /** Secrets for header injection. */
  secrets: SecretStore;
  /** Where decisions go. */
  events: EventSink;
  /** The initial mode. */
  mode: EgressMode;
  /** Extra PEM trust roots for upstream TLS, beside the system store (tests). @default none */
  upstreamCa?: string[];
  /** Hosts tunnelled without MITM (certificate-pinned clients); still host-checked. @default none */
  passthrough?: string[];
  /**
   * Pins host names to addresses (LEASH_UPSTREAM_HOSTS, tests): the address to dial, or
   * undefined to resolve the name normally. A pinned name may point at this host's loopback.
   * @default none
   */
  lookup?: (host: string) => Promise<string | undefined>;
  /**
   * The port to dial for `host` when the agent asked for `port` (LEASH_UPSTREAM_HOSTS
   * `NAME=ADDR:PORT`, tests); policy, events and TLS still use the agent's port and name.
   * @default the agent's port
   */
  dialPort?: (host: string, port: number) => number;
  /**
   * Lets the agent's requests reach loopback, unspecified and link-local addresses that no pin
   * named (tests whose upstreams are on loopback). @default false
   */
  allowHostLocal?: boolean;
  /** Host addresses never dialled for the agent, pinned or not (the control UI). @default none */
  reserved?: { hostname: string; port: number }[];
  /**
   * Addresses of the host beside its interfaces (Docker network gateways), never dialled for the
   * agent nor handed out by DNS unless pinned; asked at most every 5 s. @default none
   */
  hostAddresses?: HostAddressProvider;
  /** Answers DNS queries for allowed names (tests). @default Deno.resolveDns */
  resolveDns?: (name: string, type: "A" | "AAAA") => Promise<string[]>;
}

/** A running egress engine. */
export interface Egress {
  /** Stops listening, ends every relayed connection and removes the sockets. */
  close(): Promise<void>;
  /** Applies `ir` to new requests; established connections stay. */
  updatePolicy(ir: PolicyIr): void;
  /** Switches the mode for new decisions. */
  setMode(mode: EgressMode): void;
  /**
   * From now on names each DNS answer's addresses through `permit` before answering (the
   * manager's kernel table of DNS-named destinations); a rejection answers SERVFAIL.
   */
  permitAnswers(permit: (addrs: string[], ttlS: number) => Promise<void>): void;
  /** Client and upstream sockets in use, idle pooled upstreams not counted (leak checks, status). */
  readonly openConnections: number;
}
