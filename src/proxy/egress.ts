import net from "node:net";
import type { Egress, EgressMode, EgressOptions } from "./options.ts";
import type { PolicyIr } from "../policy/mod.ts";

async function removeStaleSocket(path: string): Promise<void> {
  try {
    const info = await Deno.lstat(path);
    if (info.isSocket) await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

async function listenUnix(
  path: string,
  handle: (socket: net.Socket) => void,
): Promise<net.Server> {
  await removeStaleSocket(path);
  const server = net.createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await Deno.chmod(path, 0o600);
  return server;
}

/** Listens on the proxy and DNS sockets and serves every relayed stream until `close()`. */
export async function startEgress(options: EgressOptions): Promise<Egress> {
  let ir: PolicyIr = options.ir;
  let mode: EgressMode = options.mode;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const refuse = (socket: net.Socket) => {
    track(socket);
    options.events.emit({
      event: "net.connect",
      decision: "deny",
      layer: "proxy",
      rule: null,
      message: `proxy engine not ready (mode "${mode}", policy "${ir.source.label}")`,
    });
    socket.destroy();
  };
  const proxy = await listenUnix(options.proxySocket, refuse);
  const dns = await listenUnix(options.dnsSocket, refuse);
  return {
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        [proxy, dns].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
      await removeStaleSocket(options.proxySocket);
      await removeStaleSocket(options.dnsSocket);
    },
    updatePolicy(next) {
      ir = next;
    },
    setMode(next) {
      mode = next;
    },
  };
}
