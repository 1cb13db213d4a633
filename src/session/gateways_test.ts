import assert from "node:assert/strict";
import type { DockerClient, NetworkInspect } from "../docker/mod.ts";
import { dockerGateways } from "./gateways.ts";

function network(name: string, config: { Subnet?: string; Gateway?: string }[] | null) {
  return {
    Name: name,
    Id: name,
    Driver: "bridge",
    Internal: false,
    EnableIPv6: false,
    Labels: null,
    IPAM: { Driver: "default", Config: config },
  } as NetworkInspect;
}

Deno.test("dockerGateways() lists every v4 and v6 gateway of every network, on each call", async () => {
  let networks = [
    network("bridge", [{ Subnet: "172.17.0.0/16", Gateway: "172.17.0.1" }]),
    network("v6", [{ Subnet: "10.9.0.0/24", Gateway: "10.9.0.1" }, {
      Subnet: "fd00:9::/64",
      Gateway: "fd00:9::1/64",
    }]),
    network("host", null),
    network("none", []),
  ];
  const docker = {
    networks: { list: () => Promise.resolve(networks) },
  } as unknown as Pick<DockerClient, "networks">;
  const provider = dockerGateways(docker);
  assert.deepEqual(await provider(), ["172.17.0.1", "10.9.0.1", "fd00:9::1"]);
  networks = [...networks, network("late", [{ Gateway: "192.168.77.1" }])];
  assert.deepEqual((await provider()).at(-1), "192.168.77.1");
});
