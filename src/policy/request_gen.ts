/**
 * Seeded generator of requests around a policy's boundaries, for the dual check and the
 * benchmark: paths at, inside, beside (`/etc/passwd` vs `/etc/passwd-x`) and above every
 * named path; hosts, subdomains, ports and IPs in and out of every named pattern; HTTP
 * methods and paths; rewrite and MCP contexts.
 */
import { formatIp, type IpAddress } from "../net/mod.ts";
import { hostPattern } from "./entities.ts";
import type { ActionName, PolicyIr } from "./ir.ts";
import type { PolicyRequest } from "./match.ts";

/** A deterministic pseudo-random source (mulberry32). */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A random element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

const SEGMENTS = [
  "x",
  "passwd",
  "passwd-x",
  "a",
  "b",
  "c",
  "safe",
  "é",
  "日本",
  "..",
  ".",
  "",
  "ü".repeat(40),
  "s".repeat(200),
];
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "get"];
const HTTP_PATHS = [
  "/",
  "/user",
  "/users",
  "/repos/a/b",
  "/repos",
  "/repos/",
  "/repos/x/admin",
  "/repos/x/admin/y",
  "/reposx",
];
const NAMES = ["example.com", "api.internal", "evil.test", "a.b.c.d", "localhost"];

function mutatePath(rng: Rng, base: string): string {
  let p = base;
  const steps = rng.int(4);
  for (let i = 0; i < steps; i++) {
    const r = rng.int(5);
    if (r === 0) p = p.replace(/\/[^/]*\/?$/, "/") || "/";
    else if (r === 1) p = p.replace(/\/$/, "") + rng.pick(["-x", "x", ".bak", "/"]);
    else p = (p.endsWith("/") ? p : p + "/") + rng.pick(SEGMENTS);
  }
  return p;
}

function randomIpNear(rng: Rng, ip: IpAddress, length: number): string {
  const bits = ip.family === 4 ? 32 : 128;
  const host = BigInt(bits - length);
  let value = ip.value;
  const r = rng.int(4);
  if (r === 0 && host > 0n) value = ip.value | (BigInt(rng.int(1 << 20)) & ((1n << host) - 1n));
  else if (r === 1) {
    value = ip.value ^ (1n << BigInt(Math.min(bits - 1, bits - length + rng.int(3))));
  } else if (r === 2) value = ip.value + BigInt(rng.int(3)) - 1n;
  const mask = (1n << BigInt(bits)) - 1n;
  value = ((value % (mask + 1n)) + mask + 1n) & mask;
  return formatIp({ family: ip.family, value });
}

/** Generates `count` requests exploring the boundaries of `ir`. */
export function generateRequests(ir: PolicyIr, count: number, rng: Rng): PolicyRequest[] {
  const paths = ir.entities.filter((e) => e.type === "Dir" || e.type === "File").map((e) => e.key);
  paths.push("/", "/etc/passwd", "/tmp/x");
  const hosts = ir.entities.filter((e) => e.type === "Host").map((e) => e.key);
  const ports = [...new Set([...ir.connect.ports, 22, 80, 443, 5432, 8080, 53])];
  const servers = ir.entities.filter((e) => e.type === "MCP::Server").map((e) => e.id).concat(
    "other.mcp",
  );
  const tools = ir.entities.filter((e) => e.type === "MCP::Tool").map((e) => e.id).concat(
    "other-tool",
  );
  const headers = ir.rewrites.map((r) => r.header).concat("authorization");
  const secrets = ir.rewrites.flatMap((r) => (r.secret ? [r.secret] : [])).concat("OTHER");
  const values = ir.rewrites.flatMap((r) => (r.value ? [r.value] : [])).concat("v");
  const out: PolicyRequest[] = [];
  const fileActions: ActionName[] = [
    "FileOpen",
    "FileOpenReadOnly",
    "FileOpenReadWrite",
    "ProcessExec",
  ];
  for (let i = 0; i < count; i++) {
    const kind = rng.int(10);
    if (kind < 4) {
      let path = mutatePath(rng, rng.pick(paths));
      if (!path.startsWith("/")) path = "/" + path;
      out.push({ action: rng.pick(fileActions), resource: path });
      continue;
    }
    if (kind < 9) {
      const host = randomHost(rng, hosts.length > 0 ? rng.pick(hosts) : "*", ports);
      const action: ActionName = rng.pick([
        "NetworkConnect",
        "NetworkConnect",
        "HttpRequest",
        "HttpRewrite",
      ]);
      const request: PolicyRequest = { action, resource: host };
      if (action === "HttpRequest") {
        request.context = { method: rng.pick(METHODS), path: rng.pick(HTTP_PATHS) };
        if (rng.int(10) === 0) delete request.context.method;
      }
      if (action === "HttpRewrite") {
        request.context = {
          header: rng.pick(headers),
          value: rng.pick(["", ...values]),
          secret: rng.pick(["", ...secrets]),
        };
      }
      out.push(request);
      continue;
    }
    const resource = rng.int(4) === 0
      ? rng.pick(servers)
      : `${rng.pick(servers)}/${rng.pick(tools)}`;
    out.push({ action: "McpCall", resource });
  }
  return out;
}

function randomHost(rng: Rng, key: string, ports: number[]): string {
  const p = hostPattern(key);
  const port = rng.int(3) === 0
    ? undefined
    : rng.int(3) === 0
    ? p.port ?? rng.pick(ports)
    : rng.pick(ports);
  let host: string;
  let v6 = false;
  switch (p.kind) {
    case "any":
      host = rng.pick(NAMES);
      break;
    case "name":
      host = rng.pick([p.name, `x.${p.name}`, `${p.name}x`, p.name.toUpperCase(), rng.pick(NAMES)]);
      break;
    case "suffix":
      host = rng.pick([
        p.suffix,
        `a.${p.suffix}`,
        `a.b.${p.suffix}`,
        `a${p.suffix}`,
        rng.pick(NAMES),
      ]);
      break;
    case "cidr":
      host = randomIpNear(rng, p.ip, p.length);
      v6 = p.ip.family === 6;
      if (rng.int(8) === 0 && p.ip.family === 4) {
        host = `::ffff:${host}`;
        v6 = true;
      }
      break;
  }
  if (port === undefined) return host;
  return v6 ? `[${host}]:${port}` : `${host}:${port}`;
}
