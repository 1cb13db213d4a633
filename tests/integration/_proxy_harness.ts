/** Real components for the proxy tests: upstream servers, a relay-like bridge, the engine. */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type CertificateAuthority, createCa, createLeafMinter } from "../../src/ca/mod.ts";
import { type EventFacts, EventLog, Redactor } from "../../src/events/mod.ts";
import { compilePolicy } from "../../src/policy/mod.ts";
import { type Egress, type EgressMode, startEgress } from "../../src/proxy/mod.ts";
import { resolveSecrets } from "../../src/secrets/mod.ts";

/** A loopback HTTP(S) upstream built on Deno.serve. */
export interface Upstream {
  name: string;
  port: number;
  /** Requests it received: method, path, headers. */
  seen: { method: string; path: string; headers: Record<string, string>; remotePort: number }[];
  close(): Promise<void>;
}

const encoder = new TextEncoder();

/** A ReadableStream of `n` deterministic bytes in 64 KiB chunks (never buffered whole). */
export function patternStream(n: number): ReadableStream<Uint8Array> {
  const block = new Uint8Array(64 * 1024).map((_, i) => (i * 31 + 7) & 0xff);
  let left = n;
  return new ReadableStream({
    pull(controller) {
      if (left <= 0) return controller.close();
      const size = Math.min(left, block.length);
      controller.enqueue(block.slice(0, size));
      left -= size;
    },
  }, { highWaterMark: 1 });
}

/** SHA-256 (hex) of `patternStream(n)`. */
export function patternDigest(n: number): string {
  const block = new Uint8Array(64 * 1024).map((_, i) => (i * 31 + 7) & 0xff);
  const hash = createHash("sha256");
  for (let left = n; left > 0; left -= block.length) {
    hash.update(block.subarray(0, Math.min(left, block.length)));
  }
  return hash.digest("hex");
}

async function handler(
  name: string,
  seen: Upstream["seen"],
  request: Request,
  remotePort: number,
): Promise<Response> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => headers[k] = v);
  seen.push({ method: request.method, path: url.pathname + url.search, headers, remotePort });
  if (url.pathname === "/ws") {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = (e) => socket.send(`echo:${e.data}`);
    return response;
  }
  if (url.pathname === "/big") {
    const n = Number(url.searchParams.get("n"));
    return new Response(patternStream(n), {
      headers: { "content-type": "application/octet-stream" },
    });
  }
  if (url.pathname === "/upload") {
    const hash = createHash("sha256");
    let bytes = 0;
    for await (const chunk of request.body ?? patternStream(0)) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    return Response.json({ bytes, sha256: hash.digest("hex") });
  }
  if (url.pathname === "/headers") return Response.json(headers);
  return new Response(`hello from ${name} ${request.method} ${url.pathname}\n`);
}

/** Starts an upstream on 127.0.0.1; HTTPS with a leaf for `name` from `ca` when given. */
export async function startUpstream(
  name: string,
  ca?: Pick<CertificateAuthority, "certPem" | "keyPem">,
): Promise<Upstream> {
  const seen: Upstream["seen"] = [];
  let tlsOptions = {};
  if (ca) {
    const leaf = await (await createLeafMinter(ca)).mint(name);
    tlsOptions = { cert: leaf.certPem, key: leaf.keyPem };
  }
  const ac = new AbortController();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: () => {},
    ...tlsOptions,
  }, (request, info) => handler(name, seen, request, (info.remoteAddr as Deno.NetAddr).port));
  return {
    name,
    port: server.addr.port,
    seen,
    async close() {
      ac.abort();
      await server.finished;
    },
  };
}

/** A TCP listener standing in for the C relay: per connection, open proxy.sock, write a header, pipe. */
export interface Bridge {
  port: number;
  close(): Promise<void>;
}

/** Starts a bridge; `dst` makes it transparent with that original destination. */
export function startBridge(socketPath: string, dst?: string): Bridge {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  const serve = async (conn: Deno.Conn) => {
    let unix: Deno.UnixConn | undefined;
    try {
      // As the C relay must: without it, writes after the TLS handshake wait for delayed ACKs.
      (conn as Deno.TcpConn).setNoDelay(true);
      unix = await Deno.connect({ transport: "unix", path: socketPath });
      conns.add(unix);
      const src = `127.0.0.1:${(conn.remoteAddr as Deno.NetAddr).port}`;
      const header = dst
        ? { v: 1, kind: "transparent", dst, src, relay_port: 15001 }
        : { v: 1, kind: "explicit", src, relay_port: 3128 };
      await unix.write(encoder.encode(JSON.stringify(header) + "\n"));
      const u = unix;
      await Promise.all([
        conn.readable.pipeTo(u.writable).catch(() => {}),
        u.readable.pipeTo(conn.writable).catch(() => {}),
      ]);
    } catch {
      // A refused connection just ends; the test asserts on what the client saw.
    } finally {
      for (const c of [conn, unix]) {
        if (!c) continue;
        conns.delete(c);
        try {
          c.close();
        } catch {
          // already closed by pipeTo
        }
      }
    }
  };
  const accept = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      const task = serve(conn);
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      await accept.catch(() => {});
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await Promise.all(tasks);
    },
  };
}

/** One proxy test world: CAs, upstreams, engine, bridges, events. */
export interface World {
  dir: string;
  leashCaPath: string;
  /** The CA of the trusted test upstreams (for clients of passthrough hosts). */
  upstreamCaPath: string;
  /** That CA itself, to mint leaves for upstreams a test starts on its own. */
  upstreamCa: Pick<CertificateAuthority, "certPem" | "keyPem">;
  /** Relayed connections the engine still holds. */
  openSockets(): number;
  events: EventFacts[];
  /** Every event line as the session log would write it (masked). */
  lines: string[];
  egress: Egress;
  explicit: Bridge;
  upstreams: Map<string, Upstream>;
  /** A transparent bridge whose original destination is `dst`. */
  transparent(dst: string): Bridge;
  close(): Promise<void>;
}

/** Options for {@linkcode startWorld}. */
export interface WorldOptions {
  policy: string;
  /** HTTPS upstreams by name (certificates from the test upstream CA). */
  https?: string[];
  /** Plain HTTP upstreams by name. */
  http?: string[];
  /** An HTTPS upstream whose certificate comes from a CA nobody trusts. */
  untrusted?: string[];
  secrets?: string[];
  env?: Record<string, string>;
  mode?: EgressMode;
  passthrough?: string[];
}

/** Starts upstreams, the engine on fresh sockets and an explicit bridge. */
export async function startWorld(options: WorldOptions): Promise<World> {
  const dir = await Deno.makeTempDir({ prefix: "leash-proxy-" });
  const leashCa = await createCa({ commonName: "leash test CA" });
  const upstreamCa = await createCa({ commonName: "upstream test CA" });
  const stranger = await createCa({ commonName: "a CA nobody trusts" });
  const leashCaPath = join(dir, "leash-ca.pem");
  await Deno.writeTextFile(leashCaPath, leashCa.certPem);
  const upstreamCaPath = join(dir, "upstream-ca.pem");
  await Deno.writeTextFile(upstreamCaPath, upstreamCa.certPem);
  const upstreams = new Map<string, Upstream>();
  for (const name of options.https ?? []) {
    upstreams.set(name, await startUpstream(name, upstreamCa));
  }
  for (const name of options.http ?? []) upstreams.set(name, await startUpstream(name));
  for (const name of options.untrusted ?? []) {
    upstreams.set(name, await startUpstream(name, stranger));
  }
  const redactor = new Redactor();
  const secrets = await resolveSecrets(options.secrets ?? [], {
    env: (name) => options.env?.[name],
    redactor,
  });
  const events: EventFacts[] = [];
  const lines: string[] = [];
  const log = new EventLog("test", { redactor, write: (line) => lines.push(line) });
  const ir = compilePolicy(options.policy).ir;
  const egress = await startEgress({
    proxySocket: join(dir, "proxy.sock"),
    dnsSocket: join(dir, "dns.sock"),
    ir,
    ca: leashCa,
    secrets,
    events: { emit: (facts) => void events.push(log.emit(facts)) },
    mode: options.mode ?? "enforce",
    upstreamCa: [upstreamCa.certPem],
    passthrough: options.passthrough ?? [],
    lookup: (host) => {
      if (host.endsWith(".test") || host === "localhost") return Promise.resolve("127.0.0.1");
      return Promise.reject(new Error(`no such test host "${host}"`));
    },
    resolveDns: (name, type) => {
      if (name === "allowed.test" && type === "A") return Promise.resolve(["127.0.0.7"]);
      if (name === "allowed.test") return Promise.resolve(["::1"]);
      return Promise.reject(new Deno.errors.NotFound(name));
    },
  });
  const bridges: Bridge[] = [];
  const explicit = startBridge(join(dir, "proxy.sock"));
  bridges.push(explicit);
  return {
    dir,
    leashCaPath,
    upstreamCaPath,
    upstreamCa,
    openSockets: () => egress.openConnections,
    events,
    lines,
    egress,
    explicit,
    upstreams,
    transparent(dst) {
      const bridge = startBridge(join(dir, "proxy.sock"), dst);
      bridges.push(bridge);
      return bridge;
    },
    async close() {
      for (const b of bridges) await b.close();
      await egress.close();
      for (const u of upstreams.values()) await u.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** The port of upstream `name`. */
export function portOf(world: World, name: string): number {
  const u = world.upstreams.get(name);
  if (!u) throw new Error(`no upstream "${name}"`);
  return u.port;
}

/** Runs curl; returns exit code, stdout, stderr. */
export async function curl(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "60", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/**
 * An HTTPS upstream for `name` that counts what it produces and consumes: GET /big streams
 * `size` bytes in 64 KiB blocks pulled one at a time (so `pulled()` shows how far a download
 * ran ahead of its reader); POST /slow-upload reads nothing until `release()`.
 */
// deno-lint-ignore explicit-module-boundary-types
export async function countingUpstream(world: World, name: string, size: number) {
  const leaf = await (await createLeafMinter(world.upstreamCa)).mint(name);
  const block = new Uint8Array(64 * 1024);
  let pulled = 0;
  let received = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => release = resolve);
  const ac = new AbortController();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: () => {},
    cert: leaf.certPem,
    key: leaf.keyPem,
  }, async (request) => {
    if (new URL(request.url).pathname === "/slow-upload") {
      await released;
      for await (const chunk of request.body ?? new ReadableStream()) received += chunk.length;
      return new Response(String(received));
    }
    return new Response(
      new ReadableStream({
        pull(controller) {
          if (pulled >= size) return controller.close();
          pulled += block.length;
          controller.enqueue(block.slice());
        },
      }, { highWaterMark: 1 }),
    );
  });
  return {
    port: server.addr.port,
    received: () => received,
    pulled: () => pulled,
    release,
    async close() {
      ac.abort();
      await server.finished;
    },
  };
}
