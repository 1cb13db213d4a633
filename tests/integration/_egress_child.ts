/**
 * A proxy world in a process of its own, for tests that must see whether client input can kill
 * the process that hosts the egress engine (as `leash run` hosts it): starts a world whose policy
 * permits the HTTPS upstream `a.test`, writes one JSON line (the explicit proxy's port, the leash
 * CA's path, the upstream's port) to stdout, and runs until stdin closes. An uncaught error ends
 * the process with Deno's report on stderr, as it would end leash.
 */
import { portOf, startWorld } from "./_proxy_harness.ts";

const world = await startWorld({
  policy:
    `@id("a") permit (principal, action == Action::"NetworkConnect", resource in Host::"a.test");`,
  https: ["a.test"],
});
const ready = {
  proxyPort: world.explicit.port,
  ca: world.leashCaPath,
  port: portOf(world, "a.test"),
};
await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(ready) + "\n"));
for await (const _ of Deno.stdin.readable) {
  // Runs until the test closes stdin.
}
await world.close();
