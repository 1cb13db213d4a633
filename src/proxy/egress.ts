import net from "node:net";
import { createLeafMinter, LeafCache } from "../ca/mod.ts";
import { dnsVerdict, serveDnsStream } from "../dns/mod.ts";
import { EgressEngine } from "./engine.ts";
import { MAX_HEADER_BYTES, parseRelayHeader } from "./header.ts";
import type { Egress, EgressOptions } from "./options.ts";
import { handleRelay } from "./relay.ts";
import { StreamReader } from "./stream.ts";

async function removeStaleSocket(path: string): Promise<void> {
  try {
    const info = await Deno.lstat(path);
    if (info.isSocket) await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Pending connections the proxy and DNS sockets queue (the kernel caps it at somaxconn). */
const LISTEN_BACKLOG = 4096;

async function listenUnix(path: string, handle: (socket: net.Socket) => void): Promise<net.Server> {
  await removeStaleSocket(path);
  const server = net.createServer({ allowHalfOpen: true }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once(
      "error",
      (error) =>
        reject(new Error(`Cannot listen on "${path}": ${error.message}`, { cause: error })),
    );
    // The relay's connect to this socket fails with EAGAIN once the backlog is full: a burst of
    // the agent's connections (thousands at once) must wait here, not be dropped.
    server.listen({ path, backlog: LISTEN_BACKLOG }, () => resolve());
  });
  await Deno.chmod(path, 0o600);
  return server;
}

async function handleDns(engine: EgressEngine, socket: net.Socket): Promise<void> {
  engine.track(socket);
  const reader = new StreamReader(socket);
  try {
    const line = await reader.readUntil([10], MAX_HEADER_BYTES);
    if (line === null) return void socket.destroy();
    const header = parseRelayHeader(new TextDecoder().decode(line).trimEnd());
    if (header.kind !== "dns") {
      throw new SyntaxError(`Cannot serve kind "${header.kind}" on dns.sock`);
    }
    await serveDnsStream(socket, (n) => reader.readExact(n), {
      verdict: (name) => dnsVerdict(engine.ir, name),
      mode: () => engine.mode,
      events: engine.options.events,
      ...(engine.options.resolveDns ? { resolve: engine.options.resolveDns } : {}),
      withhold: (name, address) => engine.withholdAnswer(name, address),
      ...(engine.permitAnswers ? { permit: engine.permitAnswers } : {}),
    });
  } catch (error) {
    engine.emit({
      event: "dns.query",
      decision: "deny",
      layer: "proxy",
      message: `DNS stream refused: ${error instanceof Error ? error.message : String(error)}`,
    });
    socket.destroy();
  }
}

/**
 * Starts the egress engine: listens on the proxy and DNS sockets (mode 0600) and serves every
 * relayed stream with the policy, until `close()`.
 */
export async function startEgress(options: EgressOptions): Promise<Egress> {
  const leaves = new LeafCache(await createLeafMinter(options.ca));
  const engine = new EgressEngine(options, leaves);
  const proxy = await listenUnix(options.proxySocket, (socket) => {
    handleRelay(engine, socket).catch(() => socket.destroy());
  });
  let dns: net.Server;
  try {
    dns = await listenUnix(options.dnsSocket, (socket) => {
      handleDns(engine, socket).catch(() => socket.destroy());
    });
  } catch (error) {
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    throw error;
  }
  return {
    async close() {
      const closed = [proxy, dns].map((server) =>
        new Promise<void>((resolve) => server.close(() => resolve()))
      );
      engine.pool.clear();
      engine.h2.clear();
      for (const socket of engine.sockets) socket.destroy();
      await Promise.all(closed);
      await removeStaleSocket(options.proxySocket);
      await removeStaleSocket(options.dnsSocket);
    },
    updatePolicy(ir) {
      engine.ir = ir;
      engine.generation++;
      engine.pool.clear();
    },
    setMode(mode) {
      engine.mode = mode;
    },
    permitAnswers(permit) {
      engine.permitAnswers = permit;
    },
    get openConnections() {
      return engine.sockets.size - engine.pool.size - engine.h2.idle;
    },
  };
}
