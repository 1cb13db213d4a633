/**
 * Where leash's relay listener is, as the engine's containers reach it: `LEASH_RELAY_ADDRESS`
 * (`ADDR`, `ADDR:PORT` or `[V6]:PORT`), else the gateway of the engine's default `bridge`
 * network (a local engine forced to the archive transport reaches the host there).
 */
import type { DockerClient } from "../docker/mod.ts";

/** A listen/dial address; port 0 is any free port. */
export interface RelayAddress {
  hostname: string;
  port: number;
}

/** Parses `LEASH_RELAY_ADDRESS`; throws `TypeError` naming the value and the forms accepted. */
export function parseRelayAddress(text: string): RelayAddress {
  const bad = () =>
    new TypeError(
      `Invalid LEASH_RELAY_ADDRESS "${text}": give an IP address of this machine the engine reaches, as ADDR, ADDR:PORT or [IPv6]:PORT`,
    );
  let hostname = text;
  let port = 0;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    hostname = v6[1]!;
    port = v6[2] === undefined ? 0 : Number(v6[2]);
  } else if (/^[0-9.]+:\d+$/.test(text)) {
    [hostname, port] = [text.split(":")[0]!, Number(text.split(":")[1])];
  } else if (!/^[0-9.]+$/.test(text) && !/^[0-9a-fA-F:]+$/.test(text)) {
    throw bad();
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad();
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(hostname) && !hostname.includes(":")) throw bad();
  return { hostname, port };
}

/** The address to use: the setting, else the default bridge network's IPv4 gateway. */
export async function relayAddress(
  docker: DockerClient,
  setting: string | undefined,
): Promise<RelayAddress> {
  if (setting !== undefined && setting !== "") return parseRelayAddress(setting);
  const network = await docker.networks.inspect("bridge").catch(() => undefined);
  const gateway = network?.IPAM?.Config?.map((c) => c.Gateway).find((g) =>
    g !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(g)
  );
  if (gateway === undefined) {
    throw new Error(
      'Cannot find where the engine reaches this machine: its "bridge" network has no IPv4 gateway; set LEASH_RELAY_ADDRESS to an address of this machine the engine reaches',
    );
  }
  return { hostname: gateway, port: 0 };
}
