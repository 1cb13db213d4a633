import http2 from "node:http2";
import type { Duplex } from "node:stream";
import type { VerifiedTls } from "./deno_conn.ts";

/**
 * HTTP/2 receive windows the proxy advertises, both to clients and to upstreams. They bound
 * what one stream (one session) may have in flight towards the proxy, so memory stays bounded
 * while a reader is slow. The 64 KiB protocol default stalls under Deno 2.9: each window took
 * a ~40 ms round of WINDOW_UPDATE, capping a stream near 1.5 MB/s.
 */
export const H2_STREAM_WINDOW = 1024 * 1024;
/** The connection-level window (shared by a session's streams). */
export const H2_SESSION_WINDOW = 4 * 1024 * 1024;

/** What {@linkcode H2Pool.connect} got: an HTTP/2 session, or a connection speaking another protocol. */
export type H2Connection =
  | { kind: "h2"; session: http2.ClientHttp2Session; socket: Duplex }
  | { kind: "other"; socket: Duplex; protocol: string | null };

/** Options for {@linkcode H2Pool}. */
export interface H2PoolOptions {
  /** A session without open streams is closed after this long. @default 30 s */
  idleMs?: number;
}

interface Entry {
  session: http2.ClientHttp2Session;
  socket: Duplex;
  streams: number;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Upstream HTTP/2 sessions shared by every client connection to the same `https://host:port`
 * (TLS was verified for that host when the session was made); one session carries many
 * concurrent streams, so there is at most one per key.
 */
export class H2Pool {
  readonly #live = new Map<string, Entry>();
  readonly #entries = new Map<http2.ClientHttp2Session, Entry>();
  readonly #dialling = new Map<string, Promise<H2Connection>>();
  readonly #idleMs: number;

  /** Creates an empty pool. */
  constructor(options: H2PoolOptions = {}) {
    this.#idleMs = options.idleMs ?? 30_000;
  }

  /** Sessions with no open stream (their sockets are idle, not in use). */
  get idle(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.streams === 0) n++;
    return n;
  }

  /**
   * The live session for `key`, or a new connection from `dial` (which offers h2): a session
   * when the upstream selected h2, else that connection for the caller to use. Concurrent
   * callers share one dial.
   */
  connect(key: string, dial: () => Promise<VerifiedTls>): Promise<H2Connection> {
    const entry = this.#live.get(key);
    if (entry && usable(entry.session)) {
      return Promise.resolve({ kind: "h2", session: entry.session, socket: entry.socket });
    }
    const pending = this.#dialling.get(key);
    if (pending) {
      // A second caller cannot share a non-h2 connection: it dials its own.
      return pending.then((c) => c.kind === "h2" ? c : this.#dial(key, dial));
    }
    const dialling = this.#dial(key, dial);
    this.#dialling.set(key, dialling);
    const forget = () => this.#dialling.delete(key);
    dialling.then(forget, forget);
    return dialling;
  }

  /** Counts a stream opened on `session` until it closes (an idle session is closed later). */
  open(session: http2.ClientHttp2Session, stream: http2.ClientHttp2Stream): void {
    const entry = this.#entries.get(session);
    if (!entry) return;
    entry.streams++;
    clearTimeout(entry.timer);
    stream.once("close", () => {
      entry.streams--;
      if (entry.streams === 0) this.#arm(entry);
    });
  }

  /** Closes every session. */
  clear(): void {
    for (const e of this.#entries.values()) {
      clearTimeout(e.timer);
      e.session.destroy();
    }
    this.#entries.clear();
    this.#live.clear();
  }

  async #dial(key: string, dial: () => Promise<VerifiedTls>): Promise<H2Connection> {
    const { socket, protocol } = await dial();
    if (protocol !== "h2") return { kind: "other", socket, protocol };
    const session = http2.connect(key.replace(/#.*$/, ""), {
      createConnection: () => socket,
      settings: { initialWindowSize: H2_STREAM_WINDOW },
    });
    session.once("connect", () => session.setLocalWindowSize(H2_SESSION_WINDOW));
    const entry: Entry = { session, socket, streams: 0 };
    this.#entries.set(session, entry);
    this.#live.set(key, entry);
    const retire = () => {
      if (this.#live.get(key) === entry) this.#live.delete(key);
    };
    session.on("error", () => session.destroy());
    session.once("goaway", () => {
      // No new streams go there; the ones open finish, then the connection is closed.
      retire();
      session.close();
    });
    session.once("close", () => {
      retire();
      clearTimeout(entry.timer);
      this.#entries.delete(session);
      socket.destroy();
    });
    this.#arm(entry);
    return { kind: "h2", session, socket };
  }

  #arm(entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => entry.session.close(), this.#idleMs);
  }
}

function usable(session: http2.ClientHttp2Session): boolean {
  return !session.closed && !session.destroyed;
}
