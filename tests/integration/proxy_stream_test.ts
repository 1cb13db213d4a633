import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { connect } from "node:net";
import { join } from "node:path";
import { compilePolicy } from "../../src/policy/mod.ts";
import {
  bigBothWays,
  countingUpstream,
  curl,
  patternDigest,
  portOf,
  slowDownload,
  startWorld,
  viaProxy,
} from "./_proxy_harness.ts";

const POLICY = `
@id("allow-big")
permit (principal, action == Action::"NetworkConnect", resource in Host::"big.test");
@id("allow-ws")
permit (principal, action == Action::"NetworkConnect", resource in Host::"ws.test");
`;

const SIZE = 100 * 1024 * 1024;

Deno.test("proxy: 100 MB streams both ways through TLS, intact", async () => {
  const w = await startWorld({ policy: POLICY, https: ["big.test"] });
  try {
    // HTTP/1.1 bodies (chunked and length-delimited); proxy_h2_test.ts streams HTTP/2 ones.
    const { down, up } = await bigBothWays(w, {
      name: "big.test",
      protocol: "--http1.1",
      size: SIZE,
      uploadArgs: ["-H", "Transfer-Encoding: chunked"],
    });
    assert.equal(down.stderr, "");
    assert.deepEqual([down.version, down.size], ["1.1", SIZE]);
    assert.equal(down.sha256, patternDigest(SIZE));
    assert.deepEqual(up.answer, { bytes: SIZE, sha256: patternDigest(SIZE) });
    const requests = w.events.filter((e) => e.event === "http.request");
    assert.deepEqual(requests.map((e) => [e.status, e.bytes_in, e.bytes_out]), [
      [200, SIZE, 0],
      [200, requests[1]?.bytes_in, SIZE],
    ]);
  } finally {
    await w.close();
  }
});

// Bodies are never buffered whole: what one side lets through is bounded by what the other
// side reads (a proxy that held a body would let the upstream produce all of it).
Deno.test("proxy: a slow HTTP/1.1 reader holds the upstream by backpressure", async () => {
  const w = await startWorld({ policy: POLICY });
  const up = await countingUpstream(w, "big.test", SIZE);
  try {
    const r = await slowDownload(w, up, "--http1.1");
    assert.equal(r.code, 28, `curl gave up at its time limit, not on an error: ${r.stderr}`);
    assert.equal(r.version, "1.1");
    assert.ok(r.ahead < SIZE / 4, `the upstream produced ${r.ahead} bytes more than curl read`);
  } finally {
    await w.close();
    await up.close();
  }
});

Deno.test("proxy: an HTTP/1.1 upstream that does not read holds the client's upload", async () => {
  const w = await startWorld({ policy: POLICY });
  const up = await countingUpstream(w, "big.test", SIZE);
  try {
    const file = join(w.dir, "up.bin");
    await Deno.writeFile(file, new Uint8Array(SIZE));
    const r = await curl([
      ...viaProxy(w),
      "--http1.1",
      "--max-time",
      "2",
      "--data-binary",
      `@${file}`,
      "-w",
      "%{size_upload}",
      `https://big.test:${up.port}/slow-upload`,
    ]);
    assert.equal(r.code, 28, `curl timed out while held, not failed: ${r.stderr}`);
    assert.equal(up.received(), 0, "the upstream read nothing");
    const sent = Number(r.stdout.trim().split("\n").at(-1));
    assert.ok(sent < SIZE / 4, `curl could send ${sent} of ${SIZE} bytes`);
  } finally {
    up.release();
    await w.close();
    await up.close();
  }
});

function maskedTextFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const mask = [1, 2, 3, 4];
  const frame = new Uint8Array(6 + payload.length);
  frame.set([0x81, 0x80 | payload.length, ...mask]);
  payload.forEach((b, i) => frame[6 + i] = b ^ mask[i % 4]!);
  return frame;
}

Deno.test("proxy: a WebSocket upgrade is tunnelled after the 101", async () => {
  const w = await startWorld({ policy: POLICY, http: ["ws.test"] });
  try {
    const port = portOf(w, "ws.test");
    const socket = connect({ host: "127.0.0.1", port: w.explicit.port });
    const received: Uint8Array[] = [];
    let wake = () => {};
    socket.on("data", (d: Uint8Array) => {
      received.push(d);
      wake();
    });
    socket.on("error", () => socket.destroy());
    const text = () => new TextDecoder("latin1").decode(Buffer.concat(received));
    const waitFor = async (re: RegExp) => {
      while (!re.test(text())) await new Promise<void>((r) => wake = r);
    };
    socket.write(
      `GET http://ws.test:${port}/ws HTTP/1.1\r\nHost: ws.test:${port}\r\n` +
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    await waitFor(/\r\n\r\n/);
    assert.match(text(), /^HTTP\/1\.1 101 /);
    assert.match(text(), /sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i);
    socket.write(maskedTextFrame("one"));
    await waitFor(/echo:one/);
    socket.write(maskedTextFrame("two"));
    await waitFor(/echo:two/);
    socket.destroy();
    assert.equal(w.events.find((e) => e.event === "http.request")?.status, 101);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: updatePolicy applies to new requests, setMode shadow lets denials through", async () => {
  const w = await startWorld({ policy: POLICY, http: ["big.test"] });
  try {
    const port = portOf(w, "big.test");
    const url = `http://big.test:${port}/x`;
    const proxy = ["-x", `http://127.0.0.1:${w.explicit.port}`];
    assert.equal((await curl([...proxy, url])).stdout, "hello from big.test GET /x\n");
    w.egress.updatePolicy(
      compilePolicy(`
@id("block-big")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"big.test");
`).ir,
    );
    assert.match((await curl([...proxy, url])).stdout, /denied by rule "block-big"/);
    w.egress.setMode("shadow");
    assert.equal((await curl([...proxy, url])).stdout, "hello from big.test GET /x\n");
    const last = w.events.filter((e) => e.event === "http.request").at(-1);
    assert.equal(last?.decision, "allow");
    assert.equal(last?.would_deny, true);
    assert.equal(last?.rule, "block-big");
  } finally {
    await w.close();
  }
});

function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let out = "";
    socket.on("data", (d) => out += new TextDecoder().decode(d));
    socket.on("close", () => resolve(out));
    socket.on("error", () => socket.destroy());
    socket.write(request);
  });
}

Deno.test("proxy: smuggling shapes and oversized heads get 400/431 and a closed connection", async () => {
  const w = await startWorld({ policy: POLICY, http: ["big.test"] });
  try {
    const port = portOf(w, "big.test");
    const url = `http://big.test:${port}/x`;
    const clte = await rawExchange(
      w.explicit.port,
      `POST ${url} HTTP/1.1\r\nHost: big.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    );
    assert.match(clte, /^HTTP\/1\.1 400 /);
    const doubleCl = await rawExchange(
      w.explicit.port,
      `POST ${url} HTTP/1.1\r\nHost: big.test\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde`,
    );
    assert.match(doubleCl, /^HTTP\/1\.1 400 /);
    const huge = await rawExchange(
      w.explicit.port,
      `GET ${url} HTTP/1.1\r\nHost: big.test\r\nX-Big: ${"a".repeat(70 * 1024)}\r\n\r\n`,
    );
    assert.match(huge, /^HTTP\/1\.1 431 /);
    const garbage = await rawExchange(w.explicit.port, "\x16\x03\x01 not http at all\r\n\r\n");
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.deepEqual(w.upstreams.get("big.test")!.seen, []);
    assert.equal(
      (await curl(["-x", `http://127.0.0.1:${w.explicit.port}`, url])).stdout,
      "hello from big.test GET /x\n",
    );
  } finally {
    await w.close();
  }
});

/** A TCP echo server on 127.0.0.1 (not HTTP, not TLS). */
function startEcho(): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const tasks: Promise<void>[] = [];
  const accept = (async () => {
    for await (const conn of listener) {
      tasks.push((async () => {
        const buffer = new Uint8Array(1024);
        try {
          for (;;) {
            const n = await conn.read(buffer);
            if (n === null) break;
            await conn.write(buffer.subarray(0, n));
          }
        } catch {
          // the peer went away
        } finally {
          conn.close();
        }
      })());
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      await accept.catch(() => {});
      await Promise.all(tasks);
    },
  };
}

Deno.test("proxy: transparent raw TCP is decided on the original destination IP and port", async () => {
  const echo = startEcho();
  const other = startEcho();
  const w = await startWorld({
    policy: `@id("echo-port")
permit (principal, action == Action::"NetworkConnect", resource in Host::"127.0.0.1:${echo.port}");`,
  });
  try {
    const allowed = w.transparent(`127.0.0.1:${echo.port}`);
    assert.equal(await rawExchangeUntil(allowed.port, "ping\n", "ping\n"), "ping\n");
    const e = w.events.find((e) => e.event === "net.connect");
    assert.deepEqual([e?.decision, e?.rule, e?.addr, e?.port], [
      "allow",
      "echo-port",
      "127.0.0.1",
      echo.port,
    ]);
    const denied = w.transparent(`127.0.0.1:${other.port}`);
    assert.equal(await rawExchange(denied.port, "ping\n"), "");
    assert.deepEqual([w.events.at(-1)?.decision, w.events.at(-1)?.port], ["deny", other.port]);
    w.egress.setMode("record");
    assert.equal(await rawExchangeUntil(denied.port, "ping\n", "ping\n"), "ping\n");
    const last = w.events.at(-1);
    assert.deepEqual([last?.decision, last?.would_deny], ["allow", undefined]);
  } finally {
    await w.close();
    await echo.close();
    await other.close();
  }
});

function rawExchangeUntil(port: number, request: string, expect: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let out = "";
    socket.on("data", (d) => {
      out += new TextDecoder().decode(d);
      if (out.length >= expect.length) socket.end();
    });
    socket.on("close", () => resolve(out));
    socket.on("error", () => socket.destroy());
    socket.write(request);
  });
}
