import assert from "node:assert/strict";
import { readUntil, startFakeEngine, startRawFake } from "./_fake_engine.ts";
import type { AttachOptions } from "./attach.ts";
import { DockerClient } from "./client.ts";
import { concatBytes } from "../bytes.ts";
import { collectOutput, encodeFrame } from "./demux.ts";
import { DockerApiError } from "./errors.ts";
import { writeAll } from "./hijack.ts";
import { type DockerTransport, UnixSocketTransport } from "./transport.ts";

const encoder = new TextEncoder();
const UPGRADED = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n" +
  "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";

/** Plain requests go to the fake engine, hijacked ones to the raw fake. */
function splitTransport(httpSocket: string, rawSocket: string): DockerTransport {
  const http = new UnixSocketTransport(httpSocket);
  return {
    socket: httpSocket,
    fetch: (path, init) => http.fetch(path, init),
    connect: () => Deno.connect({ transport: "unix", path: rawSocket }),
    close: () => http.close(),
  };
}

async function pingOnlyEngine() {
  return await startFakeEngine(() => new Response("OK", { headers: { "API-Version": "1.41" } }));
}

Deno.test("containers.attach() upgrades the connection and carries stdin and demultiplexed output", async () => {
  let head = "";
  await using raw = await startRawFake(async (conn) => {
    head = await readUntil(conn, "\r\n\r\n");
    // Output that arrives in the same packet as the response head must not be lost.
    await writeAll(conn, concatBytes([encoder.encode(UPGRADED), encodeFrame("stdout", "ready\n")]));
    await readUntil(conn, "ping\n");
    await writeAll(conn, encodeFrame("stdout", "pong\n"));
    while (await conn.read(new Uint8Array(64)) !== null) { /* until the client ends stdin */ }
    await writeAll(conn, encodeFrame("stderr", "stdin closed\n"));
  });
  await using engine = await pingOnlyEngine();
  using docker = await DockerClient.connect({
    transport: splitTransport(engine.socket, raw.socket),
  });
  using session = await docker.containers.attach("c1", { tty: false });
  const reader = session.output.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value?.data), "ready\n");
  await session.write("ping\n");
  const pong = await reader.read();
  assert.deepEqual([pong.value?.stream, new TextDecoder().decode(pong.value?.data)], [
    "stdout",
    "pong\n",
  ]);
  await session.closeStdin();
  reader.releaseLock();
  assert.deepEqual(await collectOutput(session.output), { stdout: "", stderr: "stdin closed\n" });
  await raw.done;
  assert.match(
    head,
    /^POST \/v1\.41\/containers\/c1\/attach\?stream=1&stdin=1&stdout=1&stderr=1 HTTP\/1\.1\r\n/,
  );
  assert.match(head, /\r\nUpgrade: tcp\r\n/);
  assert.match(head, /\r\nConnection: Upgrade\r\n/);
});

Deno.test("containers.attach() passes TTY output through raw", async () => {
  await using raw = await startRawFake(async (conn) => {
    await readUntil(conn, "\r\n\r\n");
    await writeAll(conn, encoder.encode(UPGRADED + "$ "));
    const typed = await readUntil(conn, "\n");
    await writeAll(conn, encoder.encode(`${typed}hi\r\n`));
  });
  await using engine = await pingOnlyEngine();
  using docker = await DockerClient.connect({
    transport: splitTransport(engine.socket, raw.socket),
  });
  using session = await docker.containers.attach("c1", { tty: true });
  await session.write("echo hi\n");
  assert.deepEqual(await collectOutput(session.output), {
    stdout: "$ echo hi\nhi\r\n",
    stderr: "",
  });
});

/** The request line of one attach with `options`. */
async function attachRequestLine(options: AttachOptions & { tty: boolean }): Promise<string> {
  let head = "";
  await using raw = await startRawFake(async (conn) => {
    head = await readUntil(conn, "\r\n\r\n");
    await writeAll(conn, encoder.encode(UPGRADED));
  });
  await using engine = await pingOnlyEngine();
  using docker = await DockerClient.connect({
    transport: splitTransport(engine.socket, raw.socket),
  });
  using session = await docker.containers.attach("c1", options);
  await collectOutput(session.output);
  return head.split("\r\n")[0]!;
}

Deno.test("containers.attach() asks a TTY attach for detach keys no terminal sends, unless given some", async () => {
  // Raw 0xFF bytes (%FF, not the UTF-8 %C3%BF): the engine cannot switch detaching off.
  assert.equal(
    await attachRequestLine({ tty: true }),
    "POST /v1.41/containers/c1/attach?stream=1&stdin=1&stdout=1&stderr=1&detachKeys=%FF%2C%FF HTTP/1.1",
  );
  assert.equal(
    await attachRequestLine({ tty: true, detachKeys: "ctrl-x,ctrl-y" }),
    "POST /v1.41/containers/c1/attach?stream=1&stdin=1&stdout=1&stderr=1&detachKeys=ctrl-x%2Cctrl-y HTTP/1.1",
  );
  // Without a TTY the engine looks for no detach keys.
  assert.equal(
    await attachRequestLine({ tty: false }),
    "POST /v1.41/containers/c1/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1",
  );
});

Deno.test("containers.attach() turns an error answer into DockerApiError", async () => {
  const body = JSON.stringify({ message: "No such container: nope" });
  await using raw = await startRawFake(async (conn) => {
    await readUntil(conn, "\r\n\r\n");
    await writeAll(
      conn,
      encoder.encode(
        `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      ),
    );
  });
  await using engine = await pingOnlyEngine();
  using docker = await DockerClient.connect({
    transport: splitTransport(engine.socket, raw.socket),
  });
  const error = await docker.containers.attach("nope", { tty: false }).catch((e) => e);
  assert.ok(error instanceof DockerApiError);
  assert.equal(
    error.message,
    "Docker API POST /containers/nope/attach failed (404): No such container: nope",
  );
});

Deno.test("containers.attach() closes the connection when its signal is aborted", async () => {
  let engineSawEof = false;
  await using raw = await startRawFake(async (conn) => {
    await readUntil(conn, "\r\n\r\n");
    await writeAll(conn, encoder.encode(UPGRADED));
    engineSawEof = await conn.read(new Uint8Array(64)) === null;
  });
  await using engine = await pingOnlyEngine();
  using docker = await DockerClient.connect({
    transport: splitTransport(engine.socket, raw.socket),
  });
  const controller = new AbortController();
  const session = await docker.containers.attach("c1", { tty: true, signal: controller.signal });
  const reading = session.output.getReader().read();
  controller.abort();
  await assert.rejects(reading, { name: "AbortError" });
  await raw.done;
  assert.ok(engineSawEof);
  await assert.rejects(session.write("late"), /the session is closed/);
});

Deno.test("AttachSession.close() ends the output without an error", async () => {
  await using raw = await startRawFake(async (conn) => {
    await readUntil(conn, "\r\n\r\n");
    await writeAll(conn, encoder.encode(UPGRADED));
    await conn.read(new Uint8Array(64));
  });
  await using engine = await pingOnlyEngine();
  using docker = await DockerClient.connect({
    transport: splitTransport(engine.socket, raw.socket),
  });
  const session = await docker.containers.attach("c1", { tty: false });
  const reading = session.output.getReader().read();
  session.close();
  assert.deepEqual(await reading, { done: true, value: undefined });
});
