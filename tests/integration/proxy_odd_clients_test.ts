/**
 * Odd client behaviour through CONNECT must never throw out of the proxy: the engine runs in a
 * process of its own (_egress_child.ts, as `leash run` hosts it), the tests drive real curl and
 * raw sockets at it, and after each one the same process must still serve a normal request.
 * (`curl --http1.0` used to end the process: Deno's node:tls `_start` read a handle the failed
 * handshake had cleared, see src/proxy/tls_server.ts.)
 */
import assert from "node:assert/strict";
import type { Buffer } from "node:buffer";
import net from "node:net";
import tls from "node:tls";
import { curl } from "./_proxy_harness.ts";

interface Child {
  proxyPort: number;
  ca: string;
  port: number;
  /** Whether the process has ended (and its stderr). */
  ended(): { done: boolean; stderr: string };
  stop(): Promise<void>;
}

async function startChild(): Promise<Child> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL("./_egress_child.ts", import.meta.url).pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let done = false;
  let stderr = "";
  const status = child.status.then(() => done = true);
  const errors = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
  })();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done: end } = await lines.read();
    if (end) throw new Error(`The egress child ended before it was ready:\n${stderr}`);
    first += value;
  }
  lines.releaseLock();
  const drained = child.stdout.cancel().catch(() => {});
  return {
    ...JSON.parse(first),
    ended: () => ({ done, stderr }),
    async stop() {
      await child.stdin.close().catch(() => {});
      await Promise.all([status, errors, drained]);
    },
  };
}

/** Opens a raw connection to the explicit proxy and sends `CONNECT a.test:PORT` as `version`. */
async function connectRaw(c: Child, version = "HTTP/1.1"): Promise<net.Socket> {
  const socket = net.connect({ host: "127.0.0.1", port: c.proxyPort });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => {});
  socket.write(`CONNECT a.test:${c.port} ${version}\r\nHost: a.test:${c.port}\r\n\r\n`);
  return socket;
}

/** Reads from `socket` until the CONNECT answer's head ended; returns it (the socket stays open). */
function connectAnswer(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (!text.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      socket.pause();
      resolve(text);
    };
    socket.on("data", onData);
    socket.once("close", () => resolve(text));
  });
}

/** Resolves once `socket` closed (the proxy ended it). */
function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once("close", () => resolve());
    socket.resume();
  });
}

/** The first flight (ClientHello) a real node:tls client sends for `a.test` offering `alpn`. */
async function clientHello(alpn: string[]): Promise<Uint8Array> {
  const server = net.createServer();
  const first = new Promise<Uint8Array>((resolve) => {
    server.once("connection", (s) => {
      s.once("data", (chunk: Buffer) => {
        resolve(new Uint8Array(chunk));
        s.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = tls.connect({
    host: "127.0.0.1",
    port: (server.address() as net.AddressInfo).port,
    servername: "a.test",
    ALPNProtocols: alpn,
  });
  client.on("error", () => {});
  const hello = await first;
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return hello;
}

/** A normal request through the proxy is served, by the same process. */
async function stillServes(c: Child, after: string): Promise<void> {
  const r = await curl([
    "-x",
    `http://127.0.0.1:${c.proxyPort}`,
    "--cacert",
    c.ca,
    `https://a.test:${c.port}/after-${after}`,
  ]);
  assert.equal(r.stdout, `hello from a.test GET /after-${after}\n`, `after ${after}: ${r.stderr}`);
  const { done, stderr } = c.ended();
  assert.ok(!done, `the proxy process ended after ${after}:\n${stderr}`);
}

Deno.test("proxy: odd clients through CONNECT never end the proxy's process", async (t) => {
  const c = await startChild();
  try {
    await t.step("curl --http1.0 (ALPN http/1.0 only) is served", async () => {
      const r = await curl([
        "-x",
        `http://127.0.0.1:${c.proxyPort}`,
        "--cacert",
        c.ca,
        "--http1.0",
        `https://a.test:${c.port}/h10`,
      ]);
      assert.equal(r.stdout, `hello from a.test GET /h10\n`, r.stderr);
      await stillServes(c, "h10");
    });
    await t.step(
      "an HTTP/1.0 CONNECT, then a ClientHello offering only an unknown ALPN",
      async () => {
        const s = await connectRaw(c, "HTTP/1.0");
        assert.match(await connectAnswer(s), /^HTTP\/1\.1 200 /);
        s.write(await clientHello(["no-such-protocol"]));
        await closed(s);
        await stillServes(c, "alpn");
      },
    );
    await t.step("half-close right after CONNECT", async () => {
      const s = await connectRaw(c);
      s.end();
      await closed(s);
      await stillServes(c, "half-close");
    });
    await t.step("close in the middle of the ClientHello", async () => {
      const s = await connectRaw(c);
      await connectAnswer(s);
      const hello = await clientHello(["http/1.1"]);
      s.end(hello.subarray(0, hello.length >> 1));
      await closed(s);
      await stillServes(c, "half-hello");
    });
    await t.step("close once the proxy answered the ClientHello", async () => {
      const s = await connectRaw(c);
      await connectAnswer(s);
      s.write(await clientHello(["http/1.1"]));
      await new Promise((resolve) => {
        s.once("data", resolve);
        s.once("close", resolve);
        s.resume();
      });
      s.destroy();
      await stillServes(c, "mid-handshake");
    });
    await t.step("garbage that looks like TLS after CONNECT", async () => {
      const s = await connectRaw(c);
      await connectAnswer(s);
      s.write(new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x08, 1, 0, 0, 4, 0xff, 0xff, 0xff, 0xff]));
      s.end();
      await closed(s);
      await stillServes(c, "garbage-tls");
    });
    await t.step("binary garbage after CONNECT, then close", async () => {
      const s = await connectRaw(c);
      await connectAnswer(s);
      s.end(new Uint8Array(4096).map((_, i) => (i * 131 + 17) & 0xff));
      await closed(s);
      await stillServes(c, "garbage");
    });
  } finally {
    await c.stop();
  }
});
