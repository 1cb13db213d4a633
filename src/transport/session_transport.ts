/**
 * How a session's files and relay streams reach its containers (DESIGN.md §7,
 * docs/remote_engines.md §1). `BindMountTransport`: the engine sees the host's files, so
 * dirs and unix sockets are bind-mounted (local engines). `ArchiveTransport`: it does not
 * (Docker Desktop, tcp://, ssh://), so files go through the Engine API's archive endpoints and
 * the relay through an authenticated TCP channel.
 */
import type { MarkerReader } from "../boot/mod.ts";

/** Which transport a session uses. */
export type SessionTransportKind = "bind-mount" | "archive";

/** Where BOOT markers the target writes are read, and how often. */
export interface MarkerSource {
  /** The drop dir as the reader names it (host path, or the target's `/leash/drop`). */
  dir: string;
  read: MarkerReader;
  /** First pause between polls, in ms. */
  intervalMs: number;
  /** Longest pause between polls (backoff up to it), in ms. */
  maxIntervalMs: number;
}

/** The manager's view of the session's sockets. */
export interface ManagerSockets {
  /** Bind source mounted at /leash-sock (a host dir or a volume name). */
  source: string;
  /** Connect as the owner of the host dir (a docker-group user's 0700 dir). */
  ownerFromDir: boolean;
}

/** One session's transport; the session calls these in this order. */
export interface SessionTransport {
  readonly kind: SessionTransportKind;
  /** Whether the target may bind-mount host paths (`-v /host:...`, the trusted-file masks). */
  readonly hostPaths: boolean;
  /** Before the target exists: whatever the target and manager need to be there. */
  prepare(): Promise<void>;
  /** The target's binds for /leash, /leash/drop and the workspace (at `cwd`). */
  targetBinds(cwd: string): string[];
  /** The target was created (markers are read from it). */
  setTarget(id: string): void;
  /** How leash-entry's markers are read (untrusted, bounded, regular files only). */
  readonly markers: MarkerSource;
  /**
   * Makes files the host wrote into the session's public dir (`landlock.rules`,
   * `enforcement.active`) visible to the target, read-only there, in the order given.
   */
  publish(names: readonly string[]): Promise<void>;
  /** The manager's socket mount. */
  managerSockets(): ManagerSockets;
  /** Containers of the transport whose logs the session keeps (`file` in logs/). */
  logged(): { id: string; file: string }[];
  /** Undoes prepare(), after the target and manager are removed; never throws. */
  close(): Promise<void>;
}
