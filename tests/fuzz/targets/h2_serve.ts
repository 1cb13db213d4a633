/**
 * HTTP/2 from the target (src/proxy/h2_serve.ts, node:http2 as the proxy configures it): the
 * real egress engine on its proxy.sock, a transparent relay stream, TLS with ALPN h2, then the
 * client preface, the input as frames (lengths made to fit, see `framed`) and a PING: the proxy
 * must answer the PING or close the connection within 10 s, with no uncaught exception or
 * unhandled rejection (the worker reports those), and hold no relayed socket once the client
 * left. After the last input, a well-formed request must still be answered by the upstream.
 */
import { Buffer } from "node:buffer";
import http2 from "node:http2";
import net from "node:net";
import { join } from "node:path";
import tls from "node:tls";
import { startH2Upstream } from "../../integration/_h2_upstream.ts";
import { startWorld } from "../../integration/_proxy_harness.ts";
import { ContractError, ensure, type FuzzTarget } from "../_target.ts";

const POLICY = `
@id("allow-h2")
permit (principal, action == Action::"NetworkConnect", resource in Host::"h2.test");
@id("no-admin")
forbid (principal, action == Action::"HttpRequest", resource in Host::"h2.test")
  when { context.path like "/admin*" };
`;

/** Longer than any answer takes: past it the proxy is stuck. */
const BOUND_MS = 10_000;
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const PING_DATA = Buffer.from("leash-fz");
const PING = Buffer.concat([Buffer.from([0, 0, 8, 6, 0, 0, 0, 0, 0]), PING_DATA]);

/** Largest frame a peer may send before SETTINGS_MAX_FRAME_SIZE is raised (RFC 9113 §4.2). */
const MAX_FRAME = 16_384;

/**
 * `input` as whole frames, so a PING after it is read as a frame: a last frame cut short is
 * completed with zero bytes, and a frame declaring more than {@linkcode MAX_FRAME} bytes is cut
 * to that (node's and Deno's http2 both wait for the whole payload of an oversized CONTINUATION
 * instead of refusing it at its header, so a PING after it would never be read).
 */
function framed(input: Uint8Array): Uint8Array {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < input.length) {
    const head = new Uint8Array(9);
    head.set(input.subarray(at, at + 9));
    let length = (head[0]! << 16) | (head[1]! << 8) | head[2]!;
    if (length > MAX_FRAME) {
      length = MAX_FRAME;
      head.set([length >> 16, (length >> 8) & 0xff, length & 0xff]);
    }
    const frame = new Uint8Array(9 + length);
    frame.set(head);
    frame.set(input.subarray(at + 9, at + 9 + length), 9);
    out.push(frame);
    at += 9 + length;
  }
  return Buffer.concat(out);
}

/** Whether the server's bytes hold an ACK of our PING (scanned by frame). */
function pingAcked(bytes: Buffer): boolean {
  let at = 0;
  while (at + 9 <= bytes.length) {
    const length = bytes.readUIntBE(at, 3);
    if (
      bytes[at + 3] === 6 && (bytes[at + 4]! & 1) === 1 && length === 8 &&
      bytes.subarray(at + 9, at + 17).equals(PING_DATA)
    ) return true;
    at += 9 + length;
  }
  return false;
}

/** A TLS connection to the proxy through proxy.sock, as the relay opens it for `dst`. */
function connect(socketPath: string, dst: string, ca: string): tls.TLSSocket {
  const raw = net.connect(socketPath);
  raw.on("error", () => {});
  raw.write(JSON.stringify({ v: 1, kind: "transparent", dst, src: "127.0.0.1:40000" }) + "\n");
  const secure = tls.connect({ socket: raw, servername: "h2.test", ALPNProtocols: ["h2"], ca });
  secure.once("close", () => raw.destroy());
  return secure;
}

/**
 * Sends the preface, `input` as frames and a PING; resolves when the proxy answered the PING or
 * closed the connection, fails when it did neither within {@linkcode BOUND_MS}.
 */
function exchange(socketPath: string, dst: string, ca: string, input: Uint8Array) {
  return new Promise<"answered" | "closed">((resolve, reject) => {
    const secure = connect(socketPath, dst, ca);
    const bytes = framed(input);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      finish(
        new ContractError(`the proxy neither answered a PING nor closed within ${BOUND_MS} ms`),
      );
    }, BOUND_MS);
    const finish = (outcome: "answered" | "closed" | Error) => {
      clearTimeout(timer);
      secure.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    secure.on("error", () => {});
    secure.once("secureConnect", () => {
      if (secure.alpnProtocol !== "h2") {
        return finish(new ContractError(`the proxy selected ALPN "${secure.alpnProtocol}"`));
      }
      secure.write(PREFACE);
      secure.write(bytes);
      secure.write(PING);
    });
    secure.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (pingAcked(received)) finish("answered");
    });
    secure.once("close", () => finish("closed"));
  });
}

/** Waits until `open()` is 0; fails when it is not within {@linkcode BOUND_MS}. */
async function settled(open: () => number): Promise<void> {
  const end = Date.now() + BOUND_MS;
  while (open() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  ensure(open() === 0, `${open()} relayed sockets still open ${BOUND_MS} ms after the client left`);
}

/**
 * One well-formed GET through the proxy with node's HTTP/2 client: the response body. Its
 * authority names the port the relay header says was dialled, as a real client's would.
 */
function wellFormedGet(socketPath: string, dst: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const port = dst.slice(dst.lastIndexOf(":") + 1);
    const session = http2.connect(`https://h2.test:${port}`, {
      createConnection: () => connect(socketPath, dst, ca),
    });
    session.on("error", reject);
    const request = session.request({ ":path": "/after-fuzz" });
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => body += chunk);
    request.on("error", reject);
    request.on("end", () => {
      session.close();
      resolve(body);
    });
    request.end();
  });
}

/** The target. */
export const target: FuzzTarget = {
  dictionary: [
    "\x00\x00\x00\x04\x00\x00\x00\x00\x00", // SETTINGS
    "\x00\x00\x00\x04\x01\x00\x00\x00\x00", // SETTINGS ACK
    "\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x04\x7f\xff\xff\xff", // INITIAL_WINDOW_SIZE max
    "\x00\x00\x08\x06\x00\x00\x00\x00\x00", // PING header
    "\x00\x00\x04\x08\x00\x00\x00\x00\x01", // WINDOW_UPDATE on stream 1
    "\x00\x00\x04\x03\x00\x00\x00\x00\x01", // RST_STREAM on stream 1
    "\x00\x00\x08\x07\x00\x00\x00\x00\x00", // GOAWAY header
    "\x00\x00\x05\x02\x00\x00\x00\x00\x03", // PRIORITY on stream 3
    "\x00\x00\x00\x09\x04\x00\x00\x00\x01", // empty CONTINUATION, END_HEADERS
    "\x00\x00\x00\x00\x01\x00\x00\x00\x01", // empty DATA, END_STREAM
    "\x00\x00\x00\x01\x05\x00\x00\x00\x03", // empty HEADERS on stream 3
    "\x82", // :method GET
    "\x83", // :method POST
    "\x84", // :path /
    "\x87", // :scheme https
    "\x41\x07h2.test", // :authority h2.test
    "\x04\x06/admin", // :path /admin
    "\x00\x07:method\x07CONNECT",
    "\x3f\xe1\x1f", // dynamic table size update
    "\x7f\xff\xff\xff",
  ],
  maxLength: 4096,
  persistInputs: true,
  async open() {
    const world = await startWorld({ policy: POLICY });
    const upstream = await startH2Upstream("h2.test", world.upstreamCa);
    const ca = await Deno.readTextFile(world.leashCaPath);
    const socketPath = join(world.dir, "proxy.sock");
    const dst = `127.0.0.1:${upstream.port}`;
    return {
      async check(input) {
        await exchange(socketPath, dst, ca, input);
        // The client is gone: the proxy must let go of its sockets (idle pooled upstreams
        // are not counted).
        await settled(world.openSockets);
      },
      async close() {
        try {
          const body = await wellFormedGet(socketPath, dst, ca);
          ensure(
            body === "hello from h2.test GET /after-fuzz",
            `a request after fuzzing got "${body}"`,
          );
          await settled(world.openSockets);
        } finally {
          await world.close();
          await upstream.close();
        }
      },
    };
  },
};
