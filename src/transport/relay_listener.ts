/**
 * leash's TCP listener for a bridge's streams (docs/remote_engines.md §3). Every connection
 * gets a fresh challenge; until its answer proves the session secret nothing of it is read
 * beyond the answer line and nothing is forwarded. An authenticated stream is handed to the
 * same unix-socket server that serves local engines (proxy.sock, dns.sock, control.sock in the
 * session's runtime dir), so the proxy, DNS and control code do not know the difference.
 */
import net from "node:net";
import {
  challengeLine,
  newRelayNonce,
  parseRelayAnswer,
  RELAY_ANSWER_MAX,
  type RelayKind,
  verifyRelayAnswer,
} from "./relay_auth.ts";

/** Why a connection was closed unheard, with its peer. */
export interface RelayRefusal {
  reason: string;
  peer: string;
}

/** Options of {@linkcode RelayListener.listen}. */
export interface RelayListenerOptions {
  /** Address to listen on (one the engine's containers reach). */
  hostname: string;
  /** @default {0: any free port} */
  port?: number;
  secret: Uint8Array;
  /** The unix sockets each kind of stream is handed to. */
  sockets: Record<RelayKind, string>;
  /** Called for every connection closed before it authenticated. */
  onRefused?: (refusal: RelayRefusal) => void;
  /** Time an unauthenticated connection may take to answer. @default 10000 */
  answerTimeoutMs?: number;
}

/** A listening relay endpoint. */
export class RelayListener {
  readonly hostname: string;
  readonly port: number;
  /** Connections closed before they authenticated. */
  refused = 0;
  /** Streams that authenticated and were handed on. */
  accepted = 0;
  /** Authenticated probes (the bridge's reachability check at start), answered `ok`. */
  probes = 0;
  #server: net.Server;
  #sockets = new Set<net.Socket>();

  private constructor(server: net.Server, hostname: string, port: number) {
    this.#server = server;
    this.hostname = hostname;
    this.port = port;
  }

  /** Listens; rejects with the address and the reason when it cannot. */
  static async listen(input: RelayListenerOptions): Promise<RelayListener> {
    const options = { ...input, secret: input.secret.slice() };
    const server = net.createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) =>
        reject(
          new Error(
            `Cannot listen for the relay on "${options.hostname}:${
              options.port ?? 0
            }": ${error.message}; set LEASH_RELAY_ADDRESS to an address of this machine the engine reaches`,
            { cause: error },
          ),
        ));
      server.listen({ host: options.hostname, port: options.port ?? 0 }, () => resolve());
    });
    const address = server.address() as net.AddressInfo;
    const listener = new RelayListener(server, options.hostname, address.port);
    server.on("connection", (socket: net.Socket) => {
      listener.#sockets.add(socket);
      socket.once("close", () => listener.#sockets.delete(socket));
      listener.#handle(socket, options);
    });
    return listener;
  }

  /** Stops listening and closes every stream. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #handle(socket: net.Socket, options: RelayListenerOptions): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const nonce = newRelayNonce();
    let buffered = new Uint8Array(0);
    let done = false;
    const refuse = (reason: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      this.refused++;
      options.onRefused?.({ reason, peer });
    };
    const timer = setTimeout(
      () => refuse("no answer to the challenge in time"),
      options.answerTimeoutMs ?? 10_000,
    );
    const onData = (chunk: Uint8Array) => {
      const joined = new Uint8Array(buffered.length + chunk.length);
      joined.set(buffered);
      joined.set(chunk, buffered.length);
      buffered = joined;
      const newline = buffered.indexOf(10);
      if (newline < 0) {
        if (buffered.length >= RELAY_ANSWER_MAX) refuse("answer line too long");
        return;
      }
      if (newline + 1 > RELAY_ANSWER_MAX) return refuse("answer line too long");
      socket.off("data", onData);
      socket.pause();
      let answer;
      try {
        answer = parseRelayAnswer(new TextDecoder().decode(buffered.subarray(0, newline)));
      } catch (error) {
        return refuse((error as Error).message);
      }
      if (!verifyRelayAnswer(options.secret, nonce, answer)) {
        return refuse(`wrong MAC for a ${answer.kind} stream`);
      }
      done = true;
      clearTimeout(timer);
      if (answer.kind === "probe") {
        // The bridge checking, before the manager starts, that it reaches this listener.
        this.probes++;
        socket.removeAllListeners("end");
        socket.end("ok\n");
        socket.resume(); // read the bridge's FIN so the socket closes
        return;
      }
      this.accepted++;
      this.#forward(socket, options.sockets[answer.kind], buffered.subarray(newline + 1));
    };
    socket.on("data", onData);
    socket.on("error", () => refuse("connection error"));
    socket.on("end", () => refuse("closed before answering"));
    socket.write(challengeLine(nonce));
  }

  /** Hands an authenticated stream to the session's unix socket for its kind. */
  #forward(socket: net.Socket, path: string, early: Uint8Array): void {
    socket.removeAllListeners("end");
    socket.removeAllListeners("error");
    const local = net.createConnection({ path, allowHalfOpen: true });
    this.#sockets.add(local);
    local.once("close", () => this.#sockets.delete(local));
    const fail = () => {
      socket.destroy();
      local.destroy();
    };
    socket.on("error", fail);
    local.on("error", fail);
    socket.once("close", () => local.destroy());
    local.once("close", () => socket.destroy());
    if (early.length > 0) local.write(early);
    socket.pipe(local);
    local.pipe(socket);
    socket.resume();
  }
}
