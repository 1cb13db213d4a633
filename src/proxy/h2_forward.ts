import type { Duplex, Readable, Writable } from "node:stream";

/** Bytes a connection may hold unsent before the streams feeding it pause. */
export const SOCKET_HIGH_WATER = 256 * 1024;

const gates = new WeakMap<Duplex, (() => void)[]>();

/**
 * Resolves when `socket` has room again. Deno 2.9's node:http2 writes frames to its socket
 * without waiting for `drain`, so a session whose peer advertised a large window would queue
 * a whole body in the socket's buffer; the streams feeding it wait here instead.
 */
function socketRoom(socket: Duplex): Promise<void> {
  if (socket.writableLength < SOCKET_HIGH_WATER || socket.destroyed) return Promise.resolve();
  let waiters = gates.get(socket);
  if (!waiters) {
    const list: (() => void)[] = [];
    waiters = list;
    gates.set(socket, list);
    const release = () => {
      gates.delete(socket);
      socket.off("drain", release);
      socket.off("close", release);
      for (const w of list) w();
    };
    socket.on("drain", release);
    socket.on("close", release);
  }
  const list = waiters;
  return new Promise((resolve) => list.push(resolve));
}

/**
 * Copies `from` into `to` and ends `to` after it, pausing `from` while `to` is full or the
 * connection `socket` under `to` holds more than {@linkcode SOCKET_HIGH_WATER} unsent bytes.
 * `count` sees every chunk.
 */
export function forward(
  from: Readable,
  to: Writable,
  socket: Duplex,
  count: (bytes: number) => void,
): void {
  let waiting = 0;
  const resume = () => {
    if (--waiting === 0 && !to.destroyed) from.resume();
  };
  from.on("data", (chunk: Uint8Array) => {
    count(chunk.length);
    if (to.destroyed || to.writableEnded) return;
    const roomy = to.write(chunk);
    const socketFull = socket.writableLength >= SOCKET_HIGH_WATER;
    if (roomy && !socketFull) return;
    from.pause();
    if (!roomy) {
      waiting++;
      const drained = () => {
        to.off("close", drained);
        to.off("drain", drained);
        resume();
      };
      to.on("drain", drained);
      to.on("close", drained);
    }
    if (socketFull) {
      waiting++;
      socketRoom(socket).then(resume);
    }
  });
  from.once("end", () => {
    if (!to.destroyed && !to.writableEnded) to.end();
  });
}
