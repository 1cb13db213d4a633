/**
 * Both ends of HTTP/1.1 on the wire, for tests that judge what an upstream really received:
 * an upstream that records each request line and Host exactly as they arrived, and a client
 * that sends exact bytes on one connection (keep-alive) and reads the answers one by one.
 */
import { Buffer } from "node:buffer";
import net from "node:net";
import tls from "node:tls";
import { type CertificateAuthority, createLeafMinter } from "../../src/ca/mod.ts";

/** One request as the upstream read it. */
export interface WireRequest {
  /** The request line, e.g. `GET /a HTTP/1.1`. */
  line: string;
  /** The Host header values. */
  host: string[];
  /** The client port of the connection it came on. */
  remotePort: number;
}

/** A loopback upstream that answers every request head with `200 ok` (keep-alive). */
export interface WireUpstream {
  port: number;
  seen: WireRequest[];
  close(): Promise<void>;
}

/** Starts a {@linkcode WireUpstream} on 127.0.0.1; TLS with a leaf for `name` when `ca` is given. */
export async function startWireUpstream(
  name: string,
  ca?: Pick<CertificateAuthority, "certPem" | "keyPem">,
): Promise<WireUpstream> {
  const seen: WireRequest[] = [];
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let pending = "";
    socket.on("data", (chunk: Buffer) => {
      pending += chunk.toString("latin1");
      for (let end = pending.indexOf("\r\n\r\n"); end >= 0; end = pending.indexOf("\r\n\r\n")) {
        const [line = "", ...fields] = pending.slice(0, end).split("\r\n");
        pending = pending.slice(end + 4);
        const host = fields.filter((f) => /^host:/i.test(f)).map((f) => f.slice(5).trim());
        seen.push({ line, host, remotePort: socket.remotePort ?? 0 });
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n`);
      }
    });
  };
  let server: net.Server;
  if (ca) {
    const leaf = await (await createLeafMinter(ca)).mint(name);
    server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem }, onSocket);
  } else server = net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A response read off the wire (null status: the connection closed first). */
export interface WireResponse {
  status: number | null;
  head: string;
  body: string;
}

/** A client connection that sends exact bytes and reads responses one at a time. */
export class WireClient {
  readonly socket: net.Socket;
  #buffer = "";
  #closed = false;
  #wake: (() => void) | undefined;

  /** Wraps a connected socket (plain or TLS). */
  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#buffer += chunk.toString("latin1");
      this.#wake?.();
    });
    const end = () => {
      this.#closed = true;
      this.#wake?.();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end);
  }

  /** Connects to 127.0.0.1:`port`. */
  static async connect(port: number): Promise<WireClient> {
    const socket = net.connect({ host: "127.0.0.1", port });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new WireClient(socket);
  }

  /**
   * TLS to `host` through the explicit proxy at 127.0.0.1:`proxyPort` (CONNECT `host:port`),
   * trusting `ca`, offering http/1.1.
   */
  static async tunnel(
    proxyPort: number,
    host: string,
    port: number,
    ca: string,
  ): Promise<WireClient> {
    const raw = await WireClient.connect(proxyPort);
    raw.send(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
    const answer = await raw.#head();
    if (!/^HTTP\/1\.1 200 /.test(answer)) throw new Error(`CONNECT refused: ${answer}`);
    raw.socket.removeAllListeners("data");
    raw.socket.pause();
    const secure = tls.connect({
      socket: raw.socket,
      servername: host,
      ca,
      ALPNProtocols: ["http/1.1"],
    });
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", resolve);
      secure.once("error", reject);
    });
    return new WireClient(secure);
  }

  /** Writes `text` (latin1). */
  send(text: string): void {
    this.socket.write(Buffer.from(text, "latin1"));
  }

  /** Reads the next response (body by Content-Length), or a null status at EOF. */
  async response(): Promise<WireResponse> {
    const head = await this.#head();
    if (head === "") return { status: null, head: "", body: "" };
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    while (this.#buffer.length < length && !this.#closed) await this.#more();
    const body = this.#buffer.slice(0, length);
    this.#buffer = this.#buffer.slice(length);
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body };
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }

  async #head(): Promise<string> {
    for (;;) {
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (end >= 0) {
        const head = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 4);
        return head;
      }
      if (this.#closed) return "";
      await this.#more();
    }
  }

  #more(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve();
      };
    });
  }
}
