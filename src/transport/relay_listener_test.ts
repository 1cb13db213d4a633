import assert from "node:assert/strict";
import net from "node:net";
import { join } from "node:path";
import { relayMac } from "./relay_auth.ts";
import { RelayListener, type RelayRefusal } from "./relay_listener.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** A unix server standing in for proxy.sock: answers "got:<all it read>" at the client's EOF. */
async function echoSocket(dir: string) {
  const path = join(dir, "proxy.sock");
  let connections = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    connections++;
    const chunks: Uint8Array[] = [];
    socket.on("data", (d: Uint8Array) => chunks.push(d));
    socket.on("end", () => socket.end(`got:${Buffer.concat(chunks).toString()}`));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Connects, reads the challenge line, lets `reply` answer it; resolves to what came back after. */
function exchange(port: number, reply: (nonce: Uint8Array) => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let text = "";
    let answered = false;
    socket.on("data", (d: Uint8Array) => {
      text += Buffer.from(d).toString();
      const newline = text.indexOf("\n");
      if (!answered && newline >= 0) {
        answered = true;
        const nonceHex = /^leash-relay 1 ([0-9a-f]{64})$/.exec(text.slice(0, newline))![1]!;
        text = text.slice(newline + 1);
        socket.end(reply(Uint8Array.from(nonceHex.match(/../g)!, (h) => parseInt(h, 16))));
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(text));
  });
}

async function world() {
  const dir = await Deno.makeTempDir();
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const echo = await echoSocket(dir);
  const refusals: RelayRefusal[] = [];
  const listener = await RelayListener.listen({
    hostname: "127.0.0.1",
    secret,
    sockets: { proxy: echo.path, dns: join(dir, "none"), control: join(dir, "none") },
    onRefused: (r) => refusals.push(r),
  });
  return {
    secret,
    echo,
    refusals,
    listener,
    async [Symbol.asyncDispose]() {
      await listener.close();
      await echo.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("RelayListener hands an authenticated stream, with the bytes sent along with its answer, to the kind's socket", async () => {
  await using w = await world();
  const back = await exchange(
    w.listener.port,
    (nonce) => `proxy ${hex(relayMac(w.secret, nonce, "proxy"))}\n{"v":1,"kind":"explicit"}\nhello`,
  );
  assert.equal(back, 'got:{"v":1,"kind":"explicit"}\nhello');
  assert.equal(w.listener.accepted, 1);
  assert.deepEqual(w.refusals, []);
});

Deno.test("RelayListener closes a wrong MAC, another kind's MAC, a replayed answer and an overlong line before any byte reaches a socket", async () => {
  await using w = await world();
  let captured = "";
  const replies: ((nonce: Uint8Array) => string)[] = [
    () => `proxy ${"0".repeat(64)}\nGET / HTTP/1.1\r\n\r\n`,
    (nonce) => `proxy ${hex(relayMac(w.secret, nonce, "dns"))}\nx`,
    (nonce) => (captured = `proxy ${hex(relayMac(w.secret, nonce, "proxy"))}\n`, "\n"),
    () => captured + "replayed",
    () => "x".repeat(200),
  ];
  for (const reply of replies) assert.equal(await exchange(w.listener.port, reply), "");
  assert.equal(w.echo.connections(), 0);
  assert.equal(w.listener.accepted, 0);
  assert.equal(w.listener.refused, replies.length);
  assert.deepEqual(w.refusals.map((r) => r.reason), [
    "wrong MAC for a proxy stream",
    "wrong MAC for a proxy stream",
    'Invalid relay answer: unknown stream kind ""',
    "wrong MAC for a proxy stream",
    "answer line too long",
  ]);
  assert.match(w.refusals[0]!.peer, /^127\.0\.0\.1:\d+$/);
});

Deno.test("RelayListener answers an authenticated probe with ok and forwards nothing; a probe with a wrong MAC is refused", async () => {
  await using w = await world();
  const back = await exchange(
    w.listener.port,
    (nonce) => `probe ${hex(relayMac(w.secret, nonce, "probe"))}\nGET / HTTP/1.1\r\n\r\n`,
  );
  assert.equal(back, "ok\n");
  assert.equal(w.listener.probes, 1);
  assert.equal(await exchange(w.listener.port, () => `probe ${"0".repeat(64)}\n`), "");
  assert.equal(w.listener.probes, 1);
  assert.equal(w.echo.connections(), 0);
  assert.equal(w.listener.accepted, 0);
  assert.deepEqual(w.refusals.map((r) => r.reason), ["wrong MAC for a probe stream"]);
});
