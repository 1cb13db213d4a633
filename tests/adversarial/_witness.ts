/**
 * The witness of the adversarial tier: a TCP and a UDP listener on the same port on EVERY
 * address of this host (every interface of `Deno.networkInterfaces()`, IPv4 and IPv6, link-local
 * ones with their scope, docker0's gateway included), plus UDP on port 53 where it is free. It
 * records every connection and datagram with the first bytes it received, so an attempt that
 * reached the host is seen whatever leash printed.
 */
import dgram from "node:dgram";
import { note } from "../kernel/note.ts";

/** One address of this host, as the container would name it. */
export interface HostAddress {
  /** Interface name (`eth0`, `docker0`, `lo`). */
  iface: string;
  family: 4 | 6;
  /** The address, without scope. */
  address: string;
  /** The network in CIDR form (`192.0.2.0/24`), from the interface's netmask. */
  cidr: string;
  linkLocal: boolean;
  loopback: boolean;
}

/** What reached a witness: protocol, the address and port it reached, the first bytes. */
export interface WitnessRecord {
  proto: "tcp" | "udp";
  address: string;
  port: number;
  from: string;
  /** First bytes received (latin1), up to 2 KiB; empty for a connection that sent nothing. */
  data: string;
}

/** The running witness. */
export interface Witness {
  /** The TCP and UDP port listened on at every address. */
  port: number;
  addresses: HostAddress[];
  records: WitnessRecord[];
  /** Records whose data mentions `tag` (attempts put their name in what they send). */
  hits(tag: string): WitnessRecord[];
  close(): Promise<void>;
}

function networkOf(address: string, family: 4 | 6, netmask: string): string {
  const bits = family === 4
    ? netmask.split(".").reduce((n, o) => n + popcount(Number(o)), 0)
    : netmask.split(":").reduce((n, h) => n + popcount(parseInt(h || "0", 16)), 0);
  if (family === 4) {
    const a = address.split(".").map(Number);
    const m = netmask.split(".").map(Number);
    return `${a.map((o, i) => o & m[i]!).join(".")}/${bits}`;
  }
  // IPv6: keep the whole groups of the prefix (interface prefixes are multiples of 16 here).
  const groups = expand6(address).slice(0, Math.ceil(bits / 16));
  return `${groups.join(":")}${groups.length < 8 ? "::" : ""}/${bits}`;
}

function popcount(n: number): number {
  let c = 0;
  for (let v = n; v > 0; v >>= 1) c += v & 1;
  return c;
}

function expand6(address: string): string[] {
  const [head = "", tail = ""] = address.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const fill = address.includes("::") ? Array(8 - h.length - t.length).fill("0") : [];
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16).toString(16));
}

/** Every address of this host (loopback included), from `Deno.networkInterfaces()`. */
export function hostAddresses(): HostAddress[] {
  const seen = new Set<string>();
  const out: HostAddress[] = [];
  for (const i of Deno.networkInterfaces()) {
    const family = i.family === "IPv4" ? 4 : 6;
    const address = i.address.split("%")[0]!;
    if (seen.has(`${i.name} ${address}`)) continue;
    seen.add(`${i.name} ${address}`);
    out.push({
      iface: i.name,
      family,
      address,
      cidr: networkOf(address, family, i.netmask),
      linkLocal: family === 6 && /^fe[89ab]/i.test(address),
      loopback: family === 4 ? address.startsWith("127.") : address === "::1",
    });
  }
  return out;
}

function bindAddress(a: HostAddress): string {
  return a.linkLocal ? `${a.address}%${a.iface}` : a.address;
}

/** A TCP listener (Deno.listen: node:net cannot bind a scoped link-local address). */
interface TcpWitness {
  listener: Deno.Listener;
  done: Promise<void>;
}

function listenTcp(
  a: HostAddress,
  port: number,
  records: WitnessRecord[],
  live: Set<Deno.Conn>,
): TcpWitness {
  const listener = Deno.listen({ hostname: bindAddress(a), port });
  const serve = async (conn: Deno.Conn) => {
    const remote = conn.remoteAddr as Deno.NetAddr;
    const record: WitnessRecord = {
      proto: "tcp",
      address: a.address,
      port,
      from: `${remote.hostname}:${remote.port}`,
      data: "",
    };
    records.push(record);
    // Never answer: an attempt learns nothing from the witness but that it connected.
    const timer = setTimeout(() => conn.close(), 3000);
    try {
      const buf = new Uint8Array(2048);
      while (record.data.length < 2048) {
        const n = await conn.read(buf);
        if (n === null) break;
        record.data += new TextDecoder("latin1").decode(buf.subarray(0, n));
      }
    } catch {
      // closed by the timer or the peer; what arrived is recorded
    } finally {
      clearTimeout(timer);
      live.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  };
  const done = (async () => {
    for await (const conn of listener) {
      live.add(conn);
      serve(conn);
    }
  })().catch(() => {});
  return { listener, done };
}

async function listenUdp(
  a: HostAddress,
  port: number,
  records: WitnessRecord[],
): Promise<dgram.Socket> {
  const socket = dgram.createSocket(a.family === 4 ? "udp4" : "udp6");
  socket.on("message", (msg: Uint8Array, info: { address: string; port: number }) => {
    records.push({
      proto: "udp",
      address: a.address,
      port,
      from: `${info.address}:${info.port}`,
      data: new TextDecoder("latin1").decode(msg.subarray(0, 2048)),
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ port, address: bindAddress(a), exclusive: true }, () => resolve());
  });
  return socket;
}

/** Starts the witness on one free port at every address (tried until a port is free on all). */
export async function startWitness(): Promise<Witness> {
  const addresses = hostAddresses();
  const records: WitnessRecord[] = [];
  const live = new Set<Deno.Conn>();
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const tcp: TcpWitness[] = [];
    const udp: dgram.Socket[] = [];
    try {
      for (const a of addresses) {
        tcp.push(listenTcp(a, port, records, live));
        udp.push(await listenUdp(a, port, records));
      }
    } catch {
      for (const s of tcp) s.listener.close();
      for (const s of udp) s.close();
      continue;
    }
    // DNS sent straight to a host address would land here if leash did not take it.
    for (const a of addresses.filter((x) => !x.loopback)) {
      try {
        udp.push(await listenUdp(a, 53, records));
      } catch (error) {
        note(`witness: no UDP listener on ${a.address}:53 (${String(error)})`);
      }
    }
    return {
      port,
      addresses,
      records,
      hits: (tag) => records.filter((r) => r.data.includes(tag)),
      async close() {
        for (const s of tcp) s.listener.close();
        await Promise.all(tcp.map((s) => s.done));
        for (const c of live) {
          try {
            c.close();
          } catch {
            // closed meanwhile
          }
        }
        await Promise.all(udp.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      },
    };
  }
  throw new Error("Cannot start the witness: no port was free on every host address in 20 tries");
}
