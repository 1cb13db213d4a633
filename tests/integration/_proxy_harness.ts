/** Real components for the proxy tests: upstream servers, a relay-like bridge, the engine. */
import type { Duplex } from "node:stream";
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
  // NaN (a "?n=" that is no number) would never reach 0: an endless stream of empty chunks
  let left = Number.isFinite(n) ? n : 0;
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

/** A Deno.serve server on 127.0.0.1 (a port and a way to stop it). */
interface LoopbackServer {
  port: number;
  close(): Promise<void>;
}

/** Serves `serve` on 127.0.0.1; HTTPS with a leaf for `name` from `ca` when given. */
async function serveLoopback(
  name: string,
  ca: Pick<CertificateAuthority, "certPem" | "keyPem"> | undefined,
  serve: Deno.ServeHandler<Deno.NetAddr>,
): Promise<LoopbackServer> {
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
  }, serve);
  return {
    port: server.addr.port,
    async close() {
      ac.abort();
      await server.finished;
    },
  };
}

/** Starts an upstream on 127.0.0.1; HTTPS with a leaf for `name` from `ca` when given. */
export async function startUpstream(
  name: string,
  ca?: Pick<CertificateAuthority, "certPem" | "keyPem">,
): Promise<Upstream> {
  const seen: Upstream["seen"] = [];
  const server = await serveLoopback(
    name,
    ca,
    (request, info) => handler(name, seen, request, info.remoteAddr.port),
  );
  return { name, port: server.port, seen, close: () => server.close() };
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
  /**
   * Whether the engine may dial this host's loopback for names it does not pin (the upstreams
   * here all listen on loopback). @default true
   */
  allowHostLocal?: boolean;
  /** Addresses never dialled (the control UI's). @default none */
  reserved?: { hostname: string; port: number }[];
  /** Pins of `.test` names to 127.0.0.1. @default true */
  pinTestNames?: boolean;
  /** More pins (name → address), before the `.test` ones. @default none */
  pins?: Record<string, string>;
  /** DNS answers of leash's DNS for these names (A and AAAA by family). @default none */
  dnsAnswers?: Record<string, string[]>;
  /** The engine's provider of extra host addresses (Docker gateways). @default none */
  hostAddresses?: () => Promise<string[]>;
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
      const pin = options.pins?.[host];
      if (pin !== undefined) return Promise.resolve(pin);
      if (options.pinTestNames === false) return Promise.resolve(undefined);
      if (host.endsWith(".test")) return Promise.resolve("127.0.0.1");
      if (host === "localhost") return Promise.resolve(undefined); // the host's own resolver
      return Promise.reject(new Error(`no such test host "${host}"`));
    },
    allowHostLocal: options.allowHostLocal ?? true,
    reserved: options.reserved ?? [],
    ...(options.hostAddresses ? { hostAddresses: options.hostAddresses } : {}),
    resolveDns: (name, type) => {
      const answers = options.dnsAnswers?.[name];
      if (answers) {
        return Promise.resolve(answers.filter((a) => a.includes(":") === (type === "AAAA")));
      }
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

/** curl's arguments to go through the world's explicit proxy, trusting the leash CA. */
export function viaProxy(world: World): string[] {
  return ["-x", `http://127.0.0.1:${world.explicit.port}`, "--cacert", world.leashCaPath];
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

/** SHA-256 (hex) of the file at `path`, by sha256sum. */
async function sha256File(path: string): Promise<string> {
  const out = await new Deno.Command("sha256sum", { args: [path], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split(" ")[0]!;
}

/** Options for {@linkcode bigBothWays}. */
export interface BothWaysOptions {
  /** The HTTPS upstream (started by the world). */
  name: string;
  /** curl's protocol flag: "--http1.1" or "--http2". */
  protocol: string;
  /** Bytes to download, then upload. */
  size: number;
  /** More curl arguments for the upload. @default [] */
  uploadArgs?: string[];
}

/** What curl saw of {@linkcode bigBothWays}: stderr and HTTP version of each transfer. */
export interface BothWays {
  down: { stderr: string; version: string | undefined; size: number; sha256: string };
  /** `answer` is the upstream's JSON: the bytes it read and their SHA-256. */
  up: { stderr: string; version: string | undefined; answer: unknown };
}

/**
 * Through the world's proxy, curl downloads `size` pattern bytes from GET /big to a file,
 * then uploads that file to POST /upload (see {@linkcode startUpstream}).
 */
export async function bigBothWays(world: World, options: BothWaysOptions): Promise<BothWays> {
  const origin = `https://${options.name}:${portOf(world, options.name)}`;
  const proxy = [...viaProxy(world), options.protocol];
  const file = join(world.dir, "down.bin");
  const down = await curl([
    ...proxy,
    "-o",
    file,
    "-w",
    "%{http_version} %{size_download}",
    `${origin}/big?n=${options.size}`,
  ]);
  const [downVersion, size] = down.stdout.split(" ");
  const up = await curl([
    ...proxy,
    ...(options.uploadArgs ?? []),
    "--data-binary",
    `@${file}`,
    "-w",
    "\n%{http_version}",
    `${origin}/upload`,
  ]);
  const [json, upVersion] = up.stdout.split("\n");
  return {
    down: {
      stderr: down.stderr,
      version: downVersion,
      size: Number(size),
      sha256: await sha256File(file),
    },
    up: { stderr: up.stderr, version: upVersion, answer: JSON.parse(json!) },
  };
}

/** What {@linkcode countingUpstream} returns. */
export interface CountingUpstream extends LoopbackServer {
  name: string;
  /** Bytes POST /slow-upload read (none before `release()`). */
  received(): number;
  /** Bytes GET /big produced so far. */
  pulled(): number;
  /** Lets POST /slow-upload read its body. */
  release(): void;
}

/**
 * An HTTPS upstream for `name` that counts what it produces and consumes: GET /big streams
 * `size` bytes in 64 KiB blocks pulled one at a time (so `pulled()` shows how far a download
 * ran ahead of its reader); POST /slow-upload reads nothing until `release()`.
 */
export async function countingUpstream(
  world: World,
  name: string,
  size: number,
): Promise<CountingUpstream> {
  const block = new Uint8Array(64 * 1024);
  let pulled = 0;
  let received = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => release = resolve);
  const server = await serveLoopback(name, world.upstreamCa, async (request) => {
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
    name,
    port: server.port,
    received: () => received,
    pulled: () => pulled,
    release,
    close: () => server.close(),
  };
}

/**
 * curl downloads GET /big of `up` through the world's proxy (`protocol`: "--http1.1" or
 * "--http2") at 2 MB/s and gives up after 2 s: its exit code and stderr, the HTTP version it
 * spoke, and how many bytes the upstream produced beyond what curl read.
 */
export async function slowDownload(
  world: World,
  up: CountingUpstream,
  protocol: string,
): Promise<{ code: number; stderr: string; version: string | undefined; ahead: number }> {
  const r = await curl([
    ...viaProxy(world),
    protocol,
    "--limit-rate",
    "2M",
    "--max-time",
    "2",
    "-o",
    "/dev/null",
    "-w",
    "%{http_version} %{size_download}",
    `https://${up.name}:${up.port}/big`,
  ]);
  const [version, size] = r.stdout.split(" ");
  return { code: r.code, stderr: r.stderr, version, ahead: up.pulled() - Number(size) };
}

/**
 * Sends `CONNECT authority` on `raw` (connected to the proxy) and reads the proxy's answer
 * head; `raw` is paused after it, ready for a TLS client on top.
 */
export async function connectHead(raw: Duplex, authority: string): Promise<string> {
  raw.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  let head = "";
  while (!head.includes("\r\n\r\n")) {
    const chunk = await new Promise<Buffer>((resolve, reject) => {
      raw.once("data", resolve);
      raw.once("error", reject);
    });
    head += chunk.toString("latin1");
  }
  raw.pause();
  return head;
}
