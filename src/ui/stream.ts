/**
 * One WebSocket client of the live stream. It replays what it missed from the ring, then
 * takes live events; when its socket's send buffer is over the limit it refuses events (the
 * EventLog counts them) and tells the client how many it lost before the next one it gets.
 */
import type { EventLog, EventSubscriber, LeashEvent } from "../events/mod.ts";
import type { EventRing } from "./ring.ts";

/** What the stream needs of a WebSocket (the server side of `Deno.upgradeWebSocket`). */
export interface StreamSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
}

/** Options for {@linkcode StreamClient}. */
export interface StreamClientOptions {
  /** Events up to this sequence number the client has already. @default 0 */
  after?: number;
  /** Bytes queued on the socket beyond which events are refused. @default 4 MiB */
  bufferLimit?: number;
  /** How often a loss is reported when no event follows it, in ms. @default 500 */
  lostCheckMs?: number;
}

const OPEN = 1;

/** Bridges the EventLog to one socket; `close()` when the socket closes. */
export class StreamClient implements EventSubscriber {
  #socket: StreamSocket;
  #log: EventLog;
  #limit: number;
  #reported = 0;
  #unsubscribe: () => void;
  #timer: ReturnType<typeof setInterval>;

  constructor(
    socket: StreamSocket,
    log: EventLog,
    ring: EventRing,
    options: StreamClientOptions = {},
  ) {
    this.#socket = socket;
    this.#log = log;
    this.#limit = options.bufferLimit ?? 4 * 1024 * 1024;
    // Replay and subscribe in one synchronous step: no event falls between them.
    for (const event of ring.after(options.after ?? 0)) this.#send(event);
    this.#unsubscribe = log.subscribe(this);
    this.#timer = setInterval(() => {
      if (this.#socket.bufferedAmount <= this.#limit) this.#reportLost();
    }, options.lostCheckMs ?? 500);
  }

  /** Takes one event (EventSubscriber); `false` when the client is behind. */
  push(event: LeashEvent): boolean {
    if (this.#socket.readyState !== OPEN) return true; // closing: nobody left to tell
    if (this.#socket.bufferedAmount > this.#limit) return false;
    this.#reportLost();
    this.#send(event);
    return true;
  }

  /** Events this client lost so far. */
  get lost(): number {
    return this.#log.lost(this);
  }

  /** Stops the stream (the socket closed). */
  close(): void {
    clearInterval(this.#timer);
    this.#unsubscribe();
  }

  #reportLost(): void {
    const lost = this.#log.lost(this);
    if (lost <= this.#reported || this.#socket.readyState !== OPEN) return;
    this.#socket.send(JSON.stringify({ type: "lost", count: lost - this.#reported, total: lost }));
    this.#reported = lost;
  }

  #send(event: LeashEvent): void {
    this.#socket.send(JSON.stringify({ type: "event", event }));
  }
}
