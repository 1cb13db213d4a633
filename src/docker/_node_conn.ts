/**
 * A `RawConn` over a `node:net`/`node:tls` socket: reads are pulled from a small queue (the
 * socket is paused while it is full, so a slow reader holds the engine back), writes resolve
 * once the socket took the bytes, and `closeWrite()` ends our side while the engine's keeps
 * flowing (the socket must be made with `allowHalfOpen: true`).
 */
import type { Duplex } from "node:stream";
import type { RawConn } from "./transport.ts";

const HIGH_WATER = 16;

/** Wraps `socket`; the caller keeps listening for nothing else. */
export function rawConnOf(socket: Duplex): RawConn {
  const chunks: Uint8Array[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  socket.on("data", (data: Uint8Array) => {
    chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (chunks.length >= HIGH_WATER) socket.pause();
    notify();
  });
  socket.on("end", () => {
    ended = true;
    notify();
  });
  socket.on("close", () => {
    ended = true;
    notify();
  });
  socket.on("error", (error: unknown) => {
    failure ??= error;
    notify();
  });
  return {
    async read(buffer: Uint8Array): Promise<number | null> {
      while (chunks.length === 0 && !ended && failure === undefined) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const chunk = chunks[0];
      if (chunk === undefined) {
        if (failure !== undefined) throw failure;
        return null;
      }
      const n = Math.min(buffer.length, chunk.length);
      buffer.set(chunk.subarray(0, n));
      if (n === chunk.length) chunks.shift();
      else chunks[0] = chunk.subarray(n);
      if (chunks.length < HIGH_WATER && socket.isPaused()) socket.resume();
      return n;
    },
    write(data: Uint8Array): Promise<number> {
      return new Promise((resolve, reject) => {
        if (failure !== undefined) return reject(failure);
        // A copy: the socket may hold the chunk after the callback, the caller reuses its buffer.
        const chunk = data.slice();
        socket.write(chunk, (error?: Error | null) => error ? reject(error) : resolve(data.length));
      });
    },
    closeWrite(): Promise<void> {
      return new Promise((resolve) => socket.end(() => resolve()));
    },
    close(): void {
      socket.destroy();
    },
  };
}
