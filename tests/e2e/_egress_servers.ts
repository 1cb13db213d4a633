/**
 * Host-side servers of the egress e2e tests beyond the integration harness's upstreams: a slow
 * HTTPS server that proves streaming without timing, and servers on a host IP address (HTTP,
 * and TCP servers that speak first, like SSH) for the IP-literal rules.
 */
import { type CertificateAuthority, createLeafMinter } from "../../src/ca/mod.ts";
import type { DockerClient } from "../../src/docker/mod.ts";

const encoder = new TextEncoder();

/** An HTTPS server whose `/slow` sends a first part, then the rest only after `/release`. */
export interface SlowUpstream {
  port: number;
  paths: string[];
  close(): Promise<void>;
}

/** Starts the slow server for `name` on 127.0.0.1 with a leaf from `ca`. */
export async function startSlowUpstream(
  name: string,
  ca: Pick<CertificateAuthority, "certPem" | "keyPem">,
): Promise<SlowUpstream> {
  const leaf = await (await createLeafMinter(ca)).mint(name);
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const paths: string[] = [];
  const ac = new AbortController();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: leaf.certPem,
    key: leaf.keyPem,
    signal: ac.signal,
    onListen: () => {},
  }, (request) => {
    const path = new URL(request.url).pathname;
    paths.push(path);
    if (path === "/release") {
      release();
      return new Response("released\n");
    }
    // The rest waits for a request only a client that already got the first part sends: a
    // proxy that held the body back until the end would never deliver either.
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode("first part\n"));
        await released;
        controller.enqueue(encoder.encode("second part\n"));
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/plain" } });
  });
  return {
    port: server.addr.port,
    paths,
    async close() {
      release();
      ac.abort();
      await server.finished;
    },
  };
}

/** Servers on the host IP: HTTP, and TCP servers that speak first (like SSH) with a count. */
export interface HostIpServers {
  http: number;
  httpPaths: string[];
  /** Permitted by the policy. */
  banner: number;
  /** Not permitted (default deny). */
  bannerDenied: number;
  /** Connections each banner server accepted, by port. */
  accepted: Map<number, number>;
  close(): Promise<void>;
}

/** Starts the HTTP server and two speak-first TCP servers on `ip`. */
export function startHostIpServers(ip: string): HostIpServers {
  const ac = new AbortController();
  const httpPaths: string[] = [];
  const server = Deno.serve(
    { hostname: ip, port: 0, signal: ac.signal, onListen: () => {} },
    (r) => {
      const path = new URL(r.url).pathname;
      httpPaths.push(path);
      return new Response(`hello from ${ip} ${path}\n`);
    },
  );
  const accepted = new Map<number, number>();
  const listeners: Deno.Listener[] = [];
  const tasks: Promise<void>[] = [];
  const banner = () => {
    const listener = Deno.listen({ hostname: ip, port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    accepted.set(port, 0);
    listeners.push(listener);
    tasks.push(
      (async () => {
        for await (const conn of listener) {
          accepted.set(port, accepted.get(port)! + 1);
          (async () => {
            try {
              await conn.write(encoder.encode("SSH-2.0-leash-e2e\r\n"));
              const buf = new Uint8Array(256);
              const n = await conn.read(buf);
              const line = new TextDecoder().decode(buf.subarray(0, n ?? 0)).trim();
              await conn.write(encoder.encode(`got ${line}\r\n`));
            } catch {
              // The client went away; the count is what the test asserts.
            } finally {
              conn.close();
            }
          })();
        }
      })().catch(() => {}),
    );
    return port;
  };
  return {
    http: server.addr.port,
    httpPaths,
    banner: banner(),
    bannerDenied: banner(),
    accepted,
    async close() {
      for (const l of listeners) l.close();
      await Promise.all(tasks);
      ac.abort();
      await server.finished;
    },
  };
}

/** {@linkcode HostIpServers} in a container: the counts are read with `stats()`. */
export interface ContainerIpServers {
  /** The container's address on Docker's default bridge (not an address of this host). */
  ip: string;
  http: number;
  banner: number;
  bannerDenied: number;
  /** The paths the HTTP server got and the connections each banner server accepted. */
  stats(): Promise<{ httpPaths: string[]; accepted: Record<string, number> }>;
  close(): Promise<void>;
}

const CONTAINER_SERVERS = `
const net = require("net"), http = require("http");
const ip = process.argv[1], paths = [], accepted = { 2222: 0, 2223: 0 };
http.createServer((q, s) => { paths.push(q.url); s.end("hello from " + ip + " " + q.url + "\\n"); })
  .listen(8080);
for (const port of [2222, 2223]) net.createServer((c) => {
  accepted[port]++;
  c.on("error", () => {});
  c.write("SSH-2.0-leash-e2e\\r\\n");
  c.once("data", (d) => c.end("got " + String(d).trim() + "\\r\\n"));
}).listen(port);
http.createServer((q, s) => s.end(JSON.stringify({ httpPaths: paths, accepted }))).listen(9999);
console.log("listening");
`;

/**
 * Starts the IP-rule servers (HTTP 8080, banners 2222 permitted and 2223 not) in a container
 * of `image` (node) on Docker's default bridge: the proxy never dials an address of its own
 * host, so servers for IP rules must live at an address that is not one.
 */
export async function startContainerIpServers(
  docker: DockerClient,
  image: string,
): Promise<ContainerIpServers> {
  const { Id: id } = await docker.containers.create({
    Image: image,
    Entrypoint: ["sh", "-c", 'ip=$(hostname -i | cut -d" " -f1); exec node -e "$0" "$ip"'],
    Cmd: [CONTAINER_SERVERS],
    Labels: { "leash.e2e": "ip-servers" },
    HostConfig: { NetworkMode: "bridge", AutoRemove: false },
  });
  const remove = () => docker.containers.remove(id, { force: true }).catch(() => {});
  try {
    await docker.containers.start(id);
    const info = await docker.containers.inspect(id);
    const ip = String(info.NetworkSettings.Networks?.bridge?.IPAddress ?? "");
    if (ip === "") throw new Error("the IP servers' container has no bridge address");
    const stats = async () => {
      for (let i = 0;; i++) {
        try {
          const r = await fetch(`http://${ip}:9999/`);
          return await r.json();
        } catch (error) {
          if (i >= 100) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    await stats(); // up and listening
    return { ip, http: 8080, banner: 2222, bannerDenied: 2223, stats, close: remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
