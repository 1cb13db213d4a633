import assert from "node:assert/strict";
import { DockerApiError } from "./errors.ts";
import { hijack } from "./hijack.ts";
import type { RawConn } from "./transport.ts";

/** An in-memory connection that answers with `reply`, delivered in `pieceSize` reads. */
function scriptedConn(reply: string, pieceSize = 7) {
  const bytes = new TextEncoder().encode(reply);
  let offset = 0;
  const state = { written: "", closed: false };
  const conn: RawConn = {
    read(buffer) {
      if (offset >= bytes.length) return Promise.resolve(null);
      const n = Math.min(pieceSize, buffer.length, bytes.length - offset);
      buffer.set(bytes.subarray(offset, offset + n));
      offset += n;
      return Promise.resolve(n);
    },
    write(data) {
      state.written += new TextDecoder().decode(data);
      return Promise.resolve(data.length);
    },
    closeWrite: () => Promise.resolve(),
    close() {
      state.closed = true;
    },
  };
  return { conn, state };
}

const request = {
  method: "POST",
  path: "/containers/c/attach",
  target: "/v1.41/containers/c/attach?stream=1",
};

Deno.test("hijack() keeps the bytes that follow the response head", async () => {
  const { conn, state } = scriptedConn("HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\nearly output");
  const hijacked = await hijack(conn, request);
  assert.equal(hijacked.status, 101);
  assert.equal(hijacked.headers.get("upgrade"), "tcp");
  assert.ok(new TextDecoder().decode(hijacked.buffered).startsWith("ear"));
  assert.match(
    state.written,
    /^POST \/v1\.41\/containers\/c\/attach\?stream=1 HTTP\/1\.1\r\nHost: localhost\r\n/,
  );
  assert.equal(state.closed, false);
});

Deno.test("hijack() reads a chunked error body and closes the connection", async () => {
  const body = '{"message":"container c is not running"}';
  const { conn, state } = scriptedConn(
    `HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n${
      body.length.toString(16)
    }\r\n${body}\r\n0\r\n\r\n`,
  );
  const error = await hijack(conn, request).catch((e) => e);
  assert.ok(error instanceof DockerApiError);
  assert.equal(error.status, 409);
  assert.equal(error.engineMessage, "container c is not running");
  assert.equal(state.closed, true);
});

Deno.test("hijack() reports a connection closed before the response head", async () => {
  const { conn, state } = scriptedConn("HTTP/1.1 101 UPGR");
  await assert.rejects(
    hijack(conn, request),
    /^Error: Cannot POST \/containers\/c\/attach on the Docker engine: connection closed before the response head$/,
  );
  assert.equal(state.closed, true);
});

Deno.test("hijack() rejects an answer that is not HTTP", async () => {
  const { conn } = scriptedConn("SSH-2.0-OpenSSH\r\n\r\n");
  await assert.rejects(hijack(conn, request), /unexpected status line "SSH-2\.0-OpenSSH"/);
});
