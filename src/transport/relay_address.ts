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

/** A relay address and how it was chosen (for messages: "LEASH_RELAY_ADDRESS", ...). */
export interface ChosenRelayAddress extends RelayAddress {
  source: string;
}

/**
 * The address to use: the setting; else, for an engine on another machine (tcp://, ssh://),
 * the local address of leash's own connection to it (what that machine sees leash as),
 * refused at once when that is loopback (a forwarded or published port: the engine's
 * containers cannot dial this machine's loopback); else the default bridge network's IPv4
 * gateway (a local engine forced to the archive transport reaches the host there).
 */
export async function relayAddress(
  docker: DockerClient,
  setting: string | undefined,
): Promise<ChosenRelayAddress> {
  if (setting !== undefined && setting !== "") {
    return { ...parseRelayAddress(setting), source: "LEASH_RELAY_ADDRESS" };
  }
  const fix = "set LEASH_RELAY_ADDRESS to an address of this machine the engine's containers reach";
  let local: string | undefined;
  try {
    local = await docker.localAddress();
  } catch (error) {
    throw new Error(
      `Cannot choose where the engine's containers reach leash's relay: ${
        (error as Error).message
      }; ${fix}`,
      { cause: error },
    );
  }
  if (local !== undefined) {
    if (isLoopback(local)) {
      throw new Error(
        `Cannot choose where the engine's containers reach leash's relay: leash reaches the engine over loopback (${local}: a forwarded or published port), which they cannot dial; ${fix} (for an engine in a container on this machine: the gateway of that container's network)`,
      );
    }
    return {
      hostname: local,
      port: 0,
      source: "the local address of leash's connection to the engine",
    };
  }
  const network = await docker.networks.inspect("bridge").catch(() => undefined);
  const gateway = network?.IPAM?.Config?.map((c) => c.Gateway).find((g) =>
    g !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(g)
  );
  if (gateway === undefined) {
    throw new Error(
      `Cannot find where the engine reaches this machine: its "bridge" network has no IPv4 gateway; ${fix}`,
    );
  }
  return { hostname: gateway, port: 0, source: "the gateway of the engine's bridge network" };
}

/** Whether `address` is a loopback address (127/8, ::1, ::ffff:127/104); pure. */
export function isLoopback(address: string): boolean {
  const v4 = address.replace(/^::ffff:/i, "");
  return /^127\./.test(v4) || address === "::1";
}
