/**
 * The proxy benchmark's stand-in for the C relay, in its own process (as the relay runs in the
 * container, not on leash's thread). Usage: bridge.ts PROXY_SOCK; prints its TCP port, then
 * bridges each connection to proxy.sock with an explicit relay header until killed.
 */
import { startBridge } from "../../../tests/integration/_proxy_harness.ts";

function main(): void {
  const [socket] = Deno.args;
  if (!socket) throw new TypeError("Usage: bridge.ts PROXY_SOCK");
  const bridge = startBridge(socket);
  Deno.stdout.writeSync(new TextEncoder().encode(`${bridge.port}\n`));
}

if (import.meta.main) main();
