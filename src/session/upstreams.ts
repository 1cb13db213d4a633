/**
 * Test and advanced settings of the host proxy's upstream side, read from `leash run`'s
 * environment:
 *
 * - `LEASH_UPSTREAM_CA=FILE`: PEM certificates trusted for upstream TLS beside the host's
 *   store (a private CA, or a test upstream's CA). Upstream TLS is still always verified.
 * - `LEASH_UPSTREAM_HOSTS=NAME=ADDR[:PORT][,NAME=ADDR[:PORT]...]`: the proxy dials NAME at
 *   ADDR instead of resolving it (like a hosts file for the proxy alone), and at PORT instead
 *   of the port the agent asked for when one is given (IPv6 as `[ADDR]:PORT`): a test upstream
 *   on an unprivileged port stands in for a real service on 443, while policy and events
 *   still see the agent's port. leash's DNS answers the target's
 *   queries for NAME, when the policy allows the name, with ADDR; a loopback ADDR (a service
 *   on the host, which the target's own loopback is not) is answered with a documentation
 *   address (192.0.2.1, 2001:db8::1) that the transparent relay takes, and the proxy then
 *   dials the name it reads from TLS SNI or the Host header at ADDR.
 */
import { isIP } from "node:net";
import { hostLocalKind } from "../net/mod.ts";
import type { EgressOptions } from "../proxy/mod.ts";

/** What the target is told for a name pinned to a host loopback address (RFC 5737, 3849). */
export const LOOPBACK_STAND_IN = { A: "192.0.2.1", AAAA: "2001:db8::1" } as const;

/** The upstream settings of one session. */
export interface UpstreamSettings {
  /** `LEASH_UPSTREAM_CA`: a PEM file. @default none */
  caFile?: string | undefined;
  /** `LEASH_UPSTREAM_HOSTS`, parsed: lower-case name → address. @default none */
  hosts?: Map<string, string> | undefined;
  /** `LEASH_UPSTREAM_HOSTS`, parsed: lower-case name → the port dialled instead. @default none */
  ports?: Map<string, number> | undefined;
}

/** `LEASH_UPSTREAM_HOSTS`, parsed: each name's address, and its port where one is given. */
export interface UpstreamPins {
  hosts: Map<string, string>;
  ports: Map<string, number>;
}

/** Parses `NAME=ADDR[,NAME=ADDR...]` (ports ignored); throws like {@linkcode parseUpstreamPins}. */
export function parseUpstreamHosts(text: string): Map<string, string> {
  return parseUpstreamPins(text).hosts;
}

/**
 * Parses `NAME=ADDR[:PORT][,...]` (IPv6 `[ADDR]` or `[ADDR]:PORT`); throws TypeError naming
 * the bad entry and the form.
 */
export function parseUpstreamPins(text: string): UpstreamPins {
  const pins: UpstreamPins = { hosts: new Map(), ports: new Map() };
  for (const entry of text.split(",").map((e) => e.trim()).filter((e) => e !== "")) {
    const eq = entry.indexOf("=");
    const name = entry.slice(0, eq).trim().toLowerCase();
    const pin = eq < 0 ? undefined : pinTarget(entry.slice(eq + 1).trim());
    if (eq < 0 || !/^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/.test(name) || pin === undefined) {
      throw new TypeError(
        `Invalid LEASH_UPSTREAM_HOSTS entry "${entry}": write NAME=ADDRESS[:PORT][,NAME=ADDRESS...] with a host name, an IPv4 or IPv6 address ([ADDRESS]:PORT for IPv6 with a port) and a port from 1 to 65535`,
      );
    }
    pins.hosts.set(name, pin.address);
    if (pin.port !== undefined) pins.ports.set(name, pin.port);
  }
  return pins;
}

/** `ADDR`, `[ADDR]`, `ADDR:PORT` (IPv4) or `[ADDR]:PORT`; undefined when none of them. */
function pinTarget(text: string): { address: string; port?: number } | undefined {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(text);
  const v4Port = /^([^:]*):(\d+)$/.exec(text);
  let address = text;
  let port: string | undefined;
  if (bracketed) [, address = "", port] = bracketed;
  else if (v4Port && isIP(v4Port[1]!) === 4) [, address = "", port] = v4Port;
  if (isIP(address) === 0) return undefined;
  if (port === undefined) return { address };
  const n = Number(port);
  return n >= 1 && n <= 65535 ? { address, port: n } : undefined;
}

/** Reads the certificates of `LEASH_UPSTREAM_CA`; throws naming the file and the fix. */
export async function readUpstreamCa(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.name : String(error);
    throw new Error(`Cannot read LEASH_UPSTREAM_CA "${path}": ${reason}`, { cause: error });
  }
  const certs = text.match(/-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----/g) ?? [];
  if (certs.length === 0) {
    throw new Error(
      `Cannot use LEASH_UPSTREAM_CA "${path}": it holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`,
    );
  }
  return certs.map((c) => `${c}\n`);
}

/** What `startEgress` takes from the settings: trust roots, a dial lookup and port, DNS answers. */
export async function upstreamEgressOptions(
  settings: UpstreamSettings,
): Promise<Pick<EgressOptions, "upstreamCa" | "lookup" | "resolveDns" | "dialPort">> {
  const options: Pick<EgressOptions, "upstreamCa" | "lookup" | "resolveDns" | "dialPort"> = {};
  if (settings.caFile !== undefined) options.upstreamCa = await readUpstreamCa(settings.caFile);
  const hosts = settings.hosts ?? new Map<string, string>();
  if (hosts.size === 0) return options;
  options.lookup = (host) => Promise.resolve(hosts.get(host.toLowerCase()));
  const ports = settings.ports ?? new Map<string, number>();
  if (ports.size > 0) options.dialPort = (host, port) => ports.get(host.toLowerCase()) ?? port;
  options.resolveDns = async (name, type) => {
    const address = hosts.get(name.toLowerCase().replace(/\.$/, ""));
    if (address === undefined) return await Deno.resolveDns(name, type);
    const family = isIP(address) === 4 ? "A" : "AAAA";
    if (family !== type) return [];
    return [hostLocalKind(address) === "loopback" ? LOOPBACK_STAND_IN[type] : address];
  };
  return options;
}
