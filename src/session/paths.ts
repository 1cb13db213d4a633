import { join } from "node:path";

/** Longest unix socket path the kernel accepts (sun_path is 108 bytes with the NUL). */
export const MAX_SOCKET_PATH = 107;

/** Where leash keeps per-user and per-session files (XDG base directories). */
export interface LeashDirs {
  /** `$XDG_STATE_HOME/leash` (sessions, logs). */
  state: string;
  /** `$XDG_DATA_HOME/leash` (the CA). */
  data: string;
  /** `$XDG_RUNTIME_DIR/leash`, else a per-user dir under /tmp (short: sockets live here). */
  runtime: string;
}

/** Resolves leash's directories from the environment; throws `TypeError` without a home. */
export function leashDirs(
  env: (name: string) => string | undefined,
  uid: number | null,
): LeashDirs {
  const home = env("HOME");
  const base = (variable: string, fallback: string) => {
    const value = env(variable);
    if (value && value.startsWith("/")) return value;
    if (!home) {
      throw new TypeError(
        `Cannot find leash's directories: set HOME or ${variable} to an absolute path`,
      );
    }
    return join(home, fallback);
  };
  const runtime = env("XDG_RUNTIME_DIR");
  return {
    state: join(base("XDG_STATE_HOME", ".local/state"), "leash"),
    data: join(base("XDG_DATA_HOME", ".local/share"), "leash"),
    runtime: runtime && runtime.startsWith("/")
      ? join(runtime, "leash")
      : join("/tmp", `leash-${uid ?? "user"}`),
  };
}

/** The files and directories of one session (DESIGN.md §1). */
export interface SessionPaths {
  id: string;
  root: string;
  /** Mounted read-only at /leash in the target: what the host writes for it (CA cert, markers). */
  public: string;
  /** Mounted at /leash/drop in the target, the one dir it writes for the host: untrusted. */
  drop: string;
  /** Mounted at /leash/bin read-only: leash-entry. */
  publicBin: string;
  /** Manager only: CA key. */
  private: string;
  /** Short directory for control.sock, proxy.sock, dns.sock. */
  sockets: string;
  logs: string;
  /** An empty directory mounted read-only over leash's own dirs wherever a mount shows them. */
  empty: string;
}

/** Lays out a session's paths; throws `RangeError` when the socket paths would be too long. */
export function sessionPaths(dirs: LeashDirs, id: string, privateDir?: string): SessionPaths {
  const root = join(dirs.state, "sessions", id);
  const sockets = join(dirs.runtime, id);
  const longest = join(sockets, "control.sock");
  if (new TextEncoder().encode(longest).length > MAX_SOCKET_PATH) {
    throw new RangeError(
      `Cannot place session sockets under "${dirs.runtime}": "${longest}" exceeds ${MAX_SOCKET_PATH} bytes; set XDG_RUNTIME_DIR to a shorter directory`,
    );
  }
  return {
    id,
    root,
    public: join(root, "public"),
    drop: join(root, "drop"),
    publicBin: join(root, "public", "bin"),
    private: privateDir ?? join(root, "private"),
    sockets,
    logs: join(root, "logs"),
    empty: join(root, "empty"),
  };
}

/** A new session id: time-ordered and short enough for socket paths (e.g. `20261123t2012-4f9a2c`). */
export function newSessionId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").slice(0, 13).toLowerCase();
  const random = Array.from(
    crypto.getRandomValues(new Uint8Array(3)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  return `${stamp}-${random}`;
}
