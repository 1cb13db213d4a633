/**
 * Runs a command against a fresh remote engine (tests/remote/_engine.ts), the way the remote
 * tier reruns tests/e2e there (scripts/lib/e2e_remote.sh): starts the engine with the busybox
 * and Debian test images loaded, runs `COMMAND...` with DOCKER_HOST, DOCKER_TLS_VERIFY,
 * DOCKER_CERT_PATH (tcp+TLS) and LEASH_RELAY_ADDRESS (the address the engine's containers
 * reach this machine by) set, removes the engine, and exits with the command's status.
 *
 * Usage: deno run --allow-all tests/remote/with_engine.ts -- COMMAND [ARG...]
 */
import { DockerClient } from "../../src/docker/mod.ts";
import { ensureBusyboxImage } from "../fixtures/busybox_image.ts";
import { ensureDebianImage } from "../fixtures/debian_image.ts";
import { startRemoteEngine } from "./_engine.ts";

/** A line on stderr (tests keep to the no-console rule). */
function say(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}

async function main(args: string[]): Promise<number> {
  const command = args[0] === "--" ? args.slice(1) : args;
  if (command.length === 0) {
    say("usage: deno run --allow-all tests/remote/with_engine.ts -- COMMAND [ARG...]");
    return 2;
  }
  let images: string[];
  {
    using host = await DockerClient.connect();
    images = [await ensureBusyboxImage(host), await ensureDebianImage(host)];
  }
  await using engine = await startRemoteEngine({ images });
  const env = { ...engine.tlsEnv, LEASH_RELAY_ADDRESS: engine.hostAddress };
  say(
    `with_engine: ${engine.tcpHost} (relay address ${engine.hostAddress}; images ${
      images.join(", ")
    }): ${command.join(" ")}`,
  );
  const child = new Deno.Command(command[0]!, {
    args: command.slice(1),
    env,
    stdin: "null",
  }).spawn();
  const stop = () => child.kill("SIGTERM");
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  const status = await child.status;
  Deno.removeSignalListener("SIGTERM", stop);
  Deno.removeSignalListener("SIGINT", stop);
  return status.code;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
