/**
 * The transport of engines that see the host's filesystem: the session's public dir and bin
 * are bind-mounted read-only at /leash, the drop dir read-write at /leash/drop, the working
 * directory at the same path, and the runtime dir's unix sockets into the manager only.
 * Markers are read from the host's drop dir without following symlinks, bounded in size.
 */
import { readMarkerFile } from "../boot/mod.ts";
import type { ManagerSockets, MarkerSource, SessionTransport } from "./session_transport.ts";

/** The host dirs a bind-mount session uses (a `SessionPaths` subset). */
export interface BindMountPaths {
  public: string;
  publicBin: string;
  drop: string;
  sockets: string;
}

/** Local engines: bind mounts of the session's dirs (today's behaviour, unchanged). */
export class BindMountTransport implements SessionTransport {
  readonly kind = "bind-mount";
  readonly hostPaths = true;
  readonly markers: MarkerSource;
  #paths: BindMountPaths;

  constructor(paths: BindMountPaths) {
    this.#paths = paths;
    this.markers = { dir: paths.drop, read: readMarkerFile, intervalMs: 10, maxIntervalMs: 10 };
  }

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  targetBinds(cwd: string): string[] {
    return [
      `${cwd}:${cwd}`,
      // What the host writes for the target is read-only there, even for root (no
      // CAP_SYS_ADMIN to remount); what the target writes for the host goes to drop.
      `${this.#paths.public}:/leash:ro`,
      `${this.#paths.publicBin}:/leash/bin:ro`,
      `${this.#paths.drop}:/leash/drop`,
    ];
  }

  setTarget(_id: string): void {}

  publish(_names: readonly string[]): Promise<void> {
    return Promise.resolve(); // the target sees the public dir itself
  }

  managerSockets(): ManagerSockets {
    return { source: this.#paths.sockets, ownerFromDir: true };
  }

  logged(): { id: string; file: string }[] {
    return [];
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
