/**
 * The Docker network gateways of the engine, for the proxy's list of the host's own addresses
 * (a gateway is the host, or the VM the engine runs in, on that network).
 */
import type { DockerClient } from "../docker/mod.ts";
import type { HostAddressProvider } from "../proxy/mod.ts";

/** Every gateway address (v4 and v6) of every network `docker` reports, asked on each call. */
export function dockerGateways(docker: Pick<DockerClient, "networks">): HostAddressProvider {
  return async () => {
    const addresses: string[] = [];
    for (const network of await docker.networks.list()) {
      for (const config of network.IPAM?.Config ?? []) {
        const gateway = config.Gateway?.replace(/\/\d+$/, "");
        if (gateway) addresses.push(gateway);
      }
    }
    return addresses;
  };
}
