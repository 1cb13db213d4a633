/**
 * Test and advanced settings of the host proxy's upstream side, read from `leash run`'s
 * environment:
 *
 * - `LEASH_UPSTREAM_CA=FILE`: PEM certificates trusted for upstream TLS beside the host's
 *   store (a private CA, or a test upstream's CA). Upstream TLS is still always verified.
 * - `LEASH_UPSTREAM_HOSTS=NAME=ADDR[,NAME=ADDR...]`: the proxy dials NAME at ADDR instead of
 *   resolving it (like a hosts file for the proxy alone). leash's DNS answers the target's
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
}

/** Parses `NAME=ADDR[,NAME=ADDR...]`; throws TypeError naming the bad entry and the form. */
export function parseUpstreamHosts(text: string): Map<string, string> {
  const hosts = new Map<string, string>();
  for (const entry of text.split(",").map((e) => e.trim()).filter((e) => e !== "")) {
    const eq = entry.indexOf("=");
    const name = entry.slice(0, eq).trim().toLowerCase();
    const address = entry.slice(eq + 1).trim().replace(/^\[(.*)\]$/, "$1");
    if (eq < 0 || !/^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/.test(name) || isIP(address) === 0) {
      throw new TypeError(
        `Invalid LEASH_UPSTREAM_HOSTS entry "${entry}": write NAME=ADDRESS[,NAME=ADDRESS...] with a host name and an IPv4 or IPv6 address`,
      );
    }
    hosts.set(name, address);
  }
  return hosts;
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

/** What `startEgress` takes from the settings: trust roots, a dial lookup, DNS answers. */
export async function upstreamEgressOptions(
  settings: UpstreamSettings,
): Promise<Pick<EgressOptions, "upstreamCa" | "lookup" | "resolveDns">> {
  const options: Pick<EgressOptions, "upstreamCa" | "lookup" | "resolveDns"> = {};
  if (settings.caFile !== undefined) options.upstreamCa = await readUpstreamCa(settings.caFile);
  const hosts = settings.hosts ?? new Map<string, string>();
  if (hosts.size === 0) return options;
  options.lookup = (host) => Promise.resolve(hosts.get(host.toLowerCase()));
  options.resolveDns = async (name, type) => {
    const address = hosts.get(name.toLowerCase().replace(/\.$/, ""));
    if (address === undefined) return await Deno.resolveDns(name, type);
    const family = isIP(address) === 4 ? "A" : "AAAA";
    if (family !== type) return [];
    return [hostLocalKind(address) === "loopback" ? LOOPBACK_STAND_IN[type] : address];
  };
  return options;
}
