import {
  DockerClient,
  DockerConnectionError,
  formatDockerHost,
  parseDockerHost,
} from "../docker/mod.ts";
import { elfArchitecture, helperFor } from "../manager/mod.ts";
import type { DockerFacts, EngineFacts } from "./facts.ts";
import { sessionTransportFact } from "./session_transport_fact.ts";

/**
 * Connects to the engine `env` names (DOCKER_HOST and, for tcp://, the TLS variables) and
 * reports it; never throws.
 */
export async function dockerFacts(
  env: (name: string) => string | undefined,
): Promise<DockerFacts> {
  const host = env("DOCKER_HOST");
  let socket: string;
  let remote: boolean;
  try {
    const parsed = parseDockerHost(host);
    remote = parsed.transport !== "unix";
    socket = parsed.transport === "unix" ? parsed.path : formatDockerHost(parsed);
  } catch (error) {
    return { reachable: false, socket: host ?? "", error: messageOf(error) };
  }
  try {
    using client = await DockerClient.connect({ env });
    const version = await client.version();
    return {
      reachable: true,
      socket,
      engineVersion: version.Version,
      apiVersion: client.apiVersion,
      engine: await engineFacts(client, env),
    };
  } catch (error) {
    // The layer's own fix replaces the one the client appends after "; " for a local socket;
    // a remote engine's fix (certificates, ssh) is the client's.
    const full = messageOf(error);
    const message = remote ? full : full.split("; ")[0] ?? "";
    const prefix =
      /^Cannot (?:connect to|use) Docker (?:socket|engine) "[^"]*"(?: \(DOCKER_HOST\))?: /;
    return {
      reachable: false,
      socket: error instanceof DockerConnectionError ? error.socket : socket,
      error: message.replace(prefix, ""),
    };
  }
}

async function engineFacts(
  client: DockerClient,
  env: (name: string) => string | undefined,
): Promise<EngineFacts | undefined> {
  try {
    const profile = await client.profile();
    // The helper for the engine's architecture, when leash embeds one.
    const helper = await helperFor(profile.architecture).then(elfArchitecture, () => undefined);
    return {
      kind: profile.kind,
      product: profile.product,
      transport: profile.transport,
      rootless: profile.rootless,
      architecture: profile.architecture,
      helperArchitecture: helper ?? null,
      sessionTransport: await sessionTransportFact(client, profile.kind, env),
    };
  } catch {
    return undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
