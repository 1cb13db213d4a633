/**
 * The control UI server (DESIGN.md §6): Deno.serve on the host's loopback, default
 * 127.0.0.1:18080, an ephemeral loopback port when that one is taken, a fresh token.
 */
import type { EventLog } from "../events/mod.ts";
import { writeFileAtomic } from "../fs/mod.ts";
import { hostPort } from "../net/mod.ts";
import { newToken } from "./auth.ts";
import { createUiHandler, type UiSession } from "./handler.ts";
import { checkExposure, DEFAULT_LISTEN, type ListenAddress, parseListen } from "./listen.ts";
import { EventRing, RING_SIZE } from "./ring.ts";

/** Options for {@linkcode startControlUi}. */
export interface ControlUiOptions {
  /**
   * `--listen` as given; undefined means the default address, with a fallback to an
   * ephemeral loopback port when it is taken. @default undefined
   */
  listen?: string | undefined;
  session: UiSession;
  events: EventLog;
  /** Where to keep the token (written 0600). @default not written */
  tokenFile?: string | undefined;
  /** Events the ring keeps for `/api/events` and stream replay. @default 5000 */
  ringSize?: number;
  /** Called for each refused request. @default none */
  onRefused?: (request: Request, reason: string) => void;
  /** Bytes queued per WebSocket beyond which its events are dropped (and counted). @default 4 MiB */
  streamBufferLimit?: number;
}

/** A running control UI. */
export interface ControlUi {
  /** The address really bound. */
  address: ListenAddress;
  /** `http://host:port/`. */
  url: string;
  /** The URL that logs a browser in: `url` + `?token=...`. */
  loginUrl: string;
  token: string;
  /** A note to print (the fallback port, a non-loopback bind), or undefined. */
  notes: string[];
  /** Closes the streams and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts the UI. Throws `RangeError` for a bad or refused address and `Error` naming the
 * address when it cannot be bound (an explicit one is never silently replaced).
 */
export async function startControlUi(options: ControlUiOptions): Promise<ControlUi> {
  const explicit = options.listen !== undefined;
  const wanted = parseListen(options.listen ?? DEFAULT_LISTEN);
  const notes: string[] = [];
  const warning = checkExposure(wanted, explicit);
  if (warning) notes.push(warning);
  const token = newToken();
  const ring = new EventRing(options.events, options.ringSize ?? RING_SIZE);
  let bound: ListenAddress = wanted;
  const handler = createUiHandler({
    token,
    get bound() {
      return bound;
    },
    get cookie() {
      return `leash_ui_${bound.port}`;
    },
    session: options.session,
    events: options.events,
    ring,
    ...(options.onRefused ? { onRefused: options.onRefused } : {}),
    ...(options.streamBufferLimit ? { streamBufferLimit: options.streamBufferLimit } : {}),
  });
  const serve = (address: ListenAddress) =>
    Deno.serve({
      hostname: address.hostname,
      port: address.port,
      onListen: () => {},
      onError: () => new Response("Internal error\n", { status: 500 }),
    }, (request) => handler.handle(request));
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = serve(wanted);
  } catch (error) {
    const shown = hostPort(wanted.hostname, wanted.port);
    if (error instanceof Deno.errors.AddrInUse && !explicit) {
      server = serve({ hostname: "127.0.0.1", port: 0 });
      notes.push(`leash: ${shown} is in use: the control UI took a free port instead`);
    } else {
      ring.close();
      const why = error instanceof Deno.errors.AddrInUse
        ? "the address is in use"
        : error instanceof Error
        ? error.message
        : String(error);
      throw new Error(
        `Cannot listen on "${shown}" for the control UI: ${why}; choose another --listen ADDR, or --listen "" for no UI`,
        { cause: error },
      );
    }
  }
  bound = { hostname: server.addr.hostname, port: server.addr.port };
  const url = `http://${hostPort(bound.hostname, bound.port)}/`;
  if (options.tokenFile) {
    try {
      await writeFileAtomic(options.tokenFile, `${token}\n`, { mode: 0o600 });
    } catch (error) {
      handler.close();
      ring.close();
      await server.shutdown();
      throw error;
    }
  }
  return {
    address: bound,
    url,
    loginUrl: `${url}?token=${token}`,
    token,
    notes,
    async close() {
      handler.close();
      ring.close();
      await server.shutdown();
    },
  };
}
