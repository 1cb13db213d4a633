/**
 * An in-process stand-in for dockerd on a unix socket in a temp dir, for unit tests of the
 * client: a `Deno.serve` handler for plain requests, and optionally a raw listener that plays
 * the hijacked side of attach.
 */
import type { RawConn } from "./transport.ts";

/** A running fake engine. */
export interface FakeEngine extends AsyncDisposable {
  /** Socket path to connect the client to. */
  socket: string;
  /** `METHOD /path?query` of every plain request, in order. */
  requests: string[];
  /** Stops the server and deletes the socket dir. */
  close(): Promise<void>;
}

/** Starts a fake engine answering plain requests with `handler`. */
export async function startFakeEngine(
  handler: (request: Request, url: URL) => Response | Promise<Response>,
): Promise<FakeEngine> {
  const dir = await Deno.makeTempDir({ prefix: "leash-fake-engine-" });
  const socket = `${dir}/docker.sock`;
  const requests: string[] = [];
  const server = Deno.serve({ path: socket, onListen() {} }, (request) => {
    const url = new URL(request.url);
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    return handler(request, url);
  });
  const close = async () => {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  };
  return { socket, requests, close, [Symbol.asyncDispose]: close };
}

/** A fake engine's raw side: accepts one connection and hands it to `session`. */
export interface RawFake extends AsyncDisposable {
  socket: string;
  /** Resolves when `session` has finished. */
  done: Promise<void>;
}

/** Listens on a unix socket and runs `session` on the first connection, then closes it. */
export async function startRawFake(session: (conn: RawConn) => Promise<void>): Promise<RawFake> {
  const dir = await Deno.makeTempDir({ prefix: "leash-fake-raw-" });
  const socket = `${dir}/raw.sock`;
  const listener = Deno.listen({ transport: "unix", path: socket });
  const done = (async () => {
    const conn = await listener.accept();
    try {
      await session(conn);
    } finally {
      conn.close();
      listener.close();
    }
  })();
  return {
    socket,
    done,
    async [Symbol.asyncDispose]() {
      await done;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Reads from `conn` until `marker` has arrived; resolves to all bytes read as text. */
export async function readUntil(conn: RawConn, marker: string): Promise<string> {
  let text = "";
  const buffer = new Uint8Array(4096);
  const decoder = new TextDecoder();
  while (!text.includes(marker)) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
  }
  return text;
}
