/**
 * The host half of docs/protocol.md for the relay tests: listens on control.sock, proxy.sock
 * and dns.sock in one directory, reads the manager's JSON lines, and answers relayed
 * streams like a tiny proxy (HTTP requests get a 200 naming the header's destination, any
 * other bytes are echoed back after the client's half-close) and a tiny DNS server (A
 * queries get 10.11.12.13).
 */
import { concatBytes } from "../../src/bytes.ts";

/** One parsed relay header line and what the connection carried. */
export interface RelayedStream {
  header: Record<string, unknown>;
  received: string;
}

/** A control message from the manager. */
export type ControlMessage = Record<string, unknown> & { type: string };

/** The address every A query is answered with. */
export const DNS_ANSWER = "10.11.12.13";

/**
 * Reads a chunk with `conn.read()`: a `conn.readable` stream closes the whole socket at EOF,
 * which would make answering after the client's half-close impossible.
 */
async function readChunk(conn: Deno.Conn): Promise<Uint8Array | undefined> {
  const buf = new Uint8Array(65536);
  const n = await conn.read(buf);
  return n === null ? undefined : buf.subarray(0, n);
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

/** Reads bytes until a "\n" and returns the line plus what followed it. */
async function readLine(
  conn: Deno.Conn,
): Promise<{ line: string; rest: Uint8Array } | undefined> {
  let buf: Uint8Array = new Uint8Array(0);
  for (;;) {
    const nl = buf.indexOf(10);
    if (nl >= 0) {
      return { line: new TextDecoder().decode(buf.subarray(0, nl)), rest: buf.subarray(nl + 1) };
    }
    const value = await readChunk(conn);
    if (!value) return undefined;
    buf = concatBytes([buf, value]);
  }
}

/** A DNS answer for one query: A queries get DNS_ANSWER, others no records. */
export function dnsAnswer(query: Uint8Array): Uint8Array {
  let end = 12;
  while (end < query.length && query[end] !== 0) end += query[end]! + 1;
  const question = query.subarray(12, end + 5);
  const qtype = (query[end + 1]! << 8) | query[end + 2]!;
  const isA = qtype === 1;
  const header = new Uint8Array([
    query[0]!,
    query[1]!,
    0x81,
    0x80,
    0,
    1,
    0,
    isA ? 1 : 0,
    0,
    0,
    0,
    0,
  ]);
  const answer = isA
    ? new Uint8Array([
      0xc0,
      0x0c,
      0,
      1,
      0,
      1,
      0,
      0,
      0,
      60,
      0,
      4,
      ...DNS_ANSWER.split(".").map(Number),
    ])
    : new Uint8Array(0);
  return concatBytes([header, question, answer]);
}

/** Options for {@linkcode FakeHost}. */
export interface FakeHostOptions {
  /** Echo proxy streams chunk by chunk without recording them (benchmarks). @default false */
  streamEcho?: boolean;
  /** Never answer DNS queries: each holds its connection until the manager gives up. @default false */
  dnsSilent?: boolean;
}

/** The fake host: three unix listeners and what arrived on them. */
export class FakeHost {
  readonly dir: string;
  readonly streams: RelayedStream[] = [];
  readonly dnsQueries: Record<string, unknown>[] = [];
  readonly messages: ControlMessage[] = [];
  #listeners: Deno.Listener[] = [];
  #control: Deno.Conn | undefined;
  #controlReader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #tasks: Promise<void>[] = [];
  controlClosed = false;
  streamCount = 0;

  #streamEcho: boolean;
  #dnsSilent: boolean;

  constructor(dir: string, options: FakeHostOptions = {}) {
    this.dir = dir;
    this.#streamEcho = options.streamEcho ?? false;
    this.#dnsSilent = options.dnsSilent ?? false;
    this.#listeners = ["control", "proxy", "dns"].map((name) =>
      Deno.listen({ transport: "unix", path: `${dir}/${name}.sock` })
    );
    this.#tasks.push(this.#serve(this.#listeners[1]!, (c) => this.#proxy(c)));
    this.#tasks.push(this.#serve(this.#listeners[2]!, (c) => this.#dns(c)));
  }

  async #serve(listener: Deno.Listener, handle: (c: Deno.Conn) => Promise<void>): Promise<void> {
    try {
      for await (const conn of listener) {
        handle(conn).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch { /* already closed */ }
        });
      }
    } catch { /* listener closed */ }
  }

  async #proxy(conn: Deno.Conn): Promise<void> {
    const first = await readLine(conn);
    if (!first) return;
    this.streamCount++;
    if (this.#streamEcho) {
      await writeAll(conn, first.rest);
      for (let chunk = await readChunk(conn); chunk; chunk = await readChunk(conn)) {
        await writeAll(conn, chunk);
      }
      return;
    }
    const header = JSON.parse(first.line);
    let body = first.rest;
    const record: RelayedStream = { header, received: "" };
    if (this.streams.length < 1000) this.streams.push(record);
    for (;;) {
      const text = new TextDecoder().decode(body);
      if (/^(GET|HEAD) /.test(text) && text.includes("\r\n\r\n")) {
        record.received = text;
        const reply = `hello from ${header.dst ?? header.kind}`;
        await writeAll(
          conn,
          new TextEncoder().encode(
            `HTTP/1.0 200 OK\r\nContent-Length: ${reply.length}\r\nConnection: close\r\n\r\n${reply}`,
          ),
        );
        return;
      }
      const value = await readChunk(conn);
      if (!value) break;
      body = concatBytes([body, value]);
    }
    /* the client half-closed: echo what it sent, then close our side */
    record.received = new TextDecoder().decode(body);
    await writeAll(conn, body);
  }

  async #dns(conn: Deno.Conn): Promise<void> {
    const first = await readLine(conn);
    if (!first) return;
    this.dnsQueries.push(JSON.parse(first.line));
    if (this.#dnsSilent) {
      while (await readChunk(conn)) { /* until the manager closes it */ }
      return;
    }
    let buf = first.rest;
    while (buf.length < 2 || buf.length < 2 + ((buf[0]! << 8) | buf[1]!)) {
      const value = await readChunk(conn);
      if (!value) return;
      buf = concatBytes([buf, value]);
    }
    const answer = dnsAnswer(buf.subarray(2, 2 + ((buf[0]! << 8) | buf[1]!)));
    const framed = concatBytes([
      new Uint8Array([answer.length >> 8, answer.length & 0xff]),
      answer,
    ]);
    await writeAll(conn, framed);
  }

  /** Waits for the manager to connect to control.sock, then reads it continuously. */
  async acceptControl(): Promise<void> {
    this.#control = await this.#listeners[0]!.accept();
    this.#controlReader = this.#control.readable.getReader();
    this.#tasks.push(this.#pumpControl(this.#controlReader));
  }

  async #pumpControl(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    let pending: Uint8Array = new Uint8Array(0);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        let buf: Uint8Array = concatBytes([pending, value]);
        let nl;
        while ((nl = buf.indexOf(10)) >= 0) {
          this.messages.push(JSON.parse(new TextDecoder().decode(buf.subarray(0, nl))));
          buf = buf.subarray(nl + 1);
        }
        pending = buf;
        this.#wake();
      }
    } catch { /* closed by closeControl() */ }
    this.controlClosed = true;
    this.#wake();
  }

  #waiters: (() => void)[] = [];

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Sends one control message. */
  async send(message: Record<string, unknown>): Promise<void> {
    await this.#control!.write(new TextEncoder().encode(`${JSON.stringify(message)}\n`));
  }

  /** Sends raw bytes on the control socket (malformed input tests). */
  async sendRaw(text: string): Promise<void> {
    await this.#control!.write(new TextEncoder().encode(text));
  }

  /** Resolves to the first message (already received or next) that matches, and removes it. */
  async next(pred: (m: ControlMessage) => boolean): Promise<ControlMessage> {
    for (;;) {
      const index = this.messages.findIndex(pred);
      if (index >= 0) return this.messages.splice(index, 1)[0]!;
      if (this.controlClosed) {
        throw new Error(`control socket closed; unmatched: ${JSON.stringify(this.messages)}`);
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Closes the control connection (the host "dies"). */
  closeControl(): void {
    /* cancelling the stream closes the socket */
    this.#controlReader?.cancel().catch(() => {});
    this.#controlReader = undefined;
    this.#control = undefined;
  }

  /** Closes every listener. */
  async close(): Promise<void> {
    try {
      this.closeControl();
    } catch { /* closed */ }
    for (const l of this.#listeners) {
      try {
        l.close();
      } catch { /* closed */ }
    }
    await Promise.allSettled(this.#tasks);
  }
}
