/**
 * One control.sock connection (docs/protocol.md): JSON lines both ways. Answers are matched
 * to waiters by type; unsolicited messages (`event`, `drops`, `relay.error`, `lifeline`) go to a callback.
 */
import { ControlError } from "./errors.ts";
import { LineSplitter } from "./line_reader.ts";
import {
  encodeHostMessage,
  type HostMessage,
  type ManagerMessage,
  type ManagerMessageMap,
  type ManagerMessageType,
  parseManagerMessage,
} from "./messages.ts";

/** The byte stream a channel runs over (a `Deno.Conn` in production). */
export interface ControlConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
}

/** Message types the manager sends without being asked. */
export const UNSOLICITED_TYPES: readonly ManagerMessageType[] = [
  "event",
  "drops",
  "relay.error",
  "lifeline",
];

/** Options for {@linkcode ControlChannel}. */
export interface ControlChannelOptions {
  /** Receives unsolicited messages and lines that did not parse. @default ignored */
  onUnsolicited?: (message: ManagerMessage) => void;
  /** Receives lines that are not valid messages. @default ignored */
  onBadLine?: (error: Error) => void;
}

/** Options for {@linkcode ControlChannel.next} and {@linkcode ControlChannel.request}. */
export interface WaitOptions {
  /** Give up after this many milliseconds. @default no limit */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Whether an `error` message settles this wait. Requests whose answer is never an `error`
   * (`dst.permit`) pass false, so an error meant for another request cannot reach them.
   * @default true
   */
  errors?: boolean;
}

interface Waiter {
  types: readonly ManagerMessageType[];
  errors: boolean;
  resolve: (message: ManagerMessage) => void;
  reject: (error: unknown) => void;
}

/** A live control connection; `closed` settles when the manager closes its side. */
export class ControlChannel {
  /** Resolves when the connection reached EOF or failed. */
  readonly closed: Promise<void>;
  #conn: ControlConn;
  #queue: ManagerMessage[] = [];
  #waiters: Waiter[] = [];
  #ended: Error | undefined;
  #options: ControlChannelOptions;
  #encoder = new TextEncoder();

  constructor(conn: ControlConn, options: ControlChannelOptions = {}) {
    this.#conn = conn;
    this.#options = options;
    this.closed = this.#readLoop();
  }

  /** Sends one message. */
  async send(message: HostMessage): Promise<void> {
    if (this.#ended) throw this.#ended;
    const bytes = this.#encoder.encode(encodeHostMessage(message));
    let written = 0;
    try {
      while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
    } catch (error) {
      throw new ControlError(
        `Cannot send "${message.type}" to the manager: the control connection failed`,
        "closed",
        { cause: error },
      );
    }
  }

  /**
   * Waits for the next message whose type is in `types`, typed by it (`next(["hello"])` is a
   * `HelloMessage`). An `error` message rejects with `ControlError` (its phase), as do EOF
   * ("closed") and the timeout ("timeout").
   */
  next<T extends ManagerMessageType>(
    types: readonly T[],
    options: WaitOptions = {},
  ): Promise<ManagerMessageMap[T]> {
    const wanted: readonly ManagerMessageType[] = types;
    const errors = options.errors ?? true;
    const index = this.#queue.findIndex((m) =>
      wanted.includes(m.type) || (errors && m.type === "error")
    );
    if (index >= 0) {
      const [message] = this.#queue.splice(index, 1);
      return Promise.resolve(message!).then((m) => this.#settle(m, types));
    }
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise<ManagerMessage>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cleanup = () => {
        if (timer !== undefined) clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
      };
      const onAbort = () => {
        cleanup();
        reject(options.signal?.reason);
      };
      const waiter: Waiter = {
        types,
        errors,
        resolve: (m) => {
          cleanup();
          resolve(m);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      this.#waiters.push(waiter);
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          waiter.reject(
            new ControlError(
              `Cannot get ${
                types.map((t) => `"${t}"`).join(" or ")
              } from the manager: no answer within ${options.timeoutMs! / 1000} s`,
              "timeout",
            ),
          );
        }, options.timeoutMs);
      }
    }).then((m) => this.#settle(m, types));
  }

  /** Sends `message` and waits for an answer of one of `answers`' types. */
  async request<T extends ManagerMessageType>(
    message: HostMessage,
    answers: readonly T[],
    options: WaitOptions = {},
  ): Promise<ManagerMessageMap[T]> {
    const answer = this.next(answers, options);
    try {
      await this.send(message);
    } catch (error) {
      answer.catch(() => {});
      throw error;
    }
    return await answer;
  }

  /** Closes the connection (the manager then stops, failing closed). */
  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  /**
   * The waiter's answer: its type is one of `types` (the queue and the waiters match on it), or
   * an `error`, which rejects unless asked for.
   */
  #settle<T extends ManagerMessageType>(
    message: ManagerMessage,
    types: readonly T[],
  ): ManagerMessageMap[T] {
    const wanted: readonly ManagerMessageType[] = types;
    if (message.type === "error" && !wanted.includes("error")) {
      const phase = message.phase;
      throw new ControlError(
        `Manager refused${phase ? ` ${phase}` : ""}: ${message.message}`,
        phase || "protocol",
      );
    }
    return message as ManagerMessageMap[T];
  }

  #deliver(message: ManagerMessage): void {
    if (UNSOLICITED_TYPES.includes(message.type)) {
      this.#options.onUnsolicited?.(message);
      return;
    }
    const waiter = this.#waiters.find((w) =>
      w.types.includes(message.type) || (w.errors && message.type === "error")
    );
    if (waiter) waiter.resolve(message);
    else this.#queue.push(message);
  }

  async #readLoop(): Promise<void> {
    const splitter = new LineSplitter();
    const buffer = new Uint8Array(64 * 1024);
    let failure: unknown;
    try {
      for (;;) {
        const n = await this.#conn.read(buffer);
        if (n === null) break;
        for (const line of splitter.push(buffer.subarray(0, n))) {
          if (line.trim() === "") continue;
          try {
            this.#deliver(parseManagerMessage(line));
          } catch (error) {
            this.#options.onBadLine?.(error as Error);
          }
        }
      }
    } catch (error) {
      failure = error;
    }
    this.#ended = new ControlError(
      "Cannot talk to the manager: it closed the control connection",
      "closed",
      failure === undefined ? undefined : { cause: failure },
    );
    for (const waiter of [...this.#waiters]) waiter.reject(this.#ended);
  }
}
