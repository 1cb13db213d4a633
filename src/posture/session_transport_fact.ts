/**
 * Which session transport `leash run` would use on this engine (docs/remote_engines.md §1), for
 * `leash doctor`: bind mounts, or the archive transport with its bridge relay and the address
 * leash's relay listener would take (or why it cannot choose one).
 */
import type { DockerClient, EngineKind } from "../docker/mod.ts";
import {
  chooseTransport,
  parseTransportSetting,
  relayAddress,
  type SessionTransportKind,
} from "../transport/mod.ts";

/** The session transport as `leash doctor` reports it. */
export interface SessionTransportFact {
  kind: SessionTransportKind;
  /** Chosen by `LEASH_SESSION_TRANSPORT` rather than by the engine's kind. */
  forced: boolean;
  /** One line for people. */
  description: string;
}

/** What `leash run` would choose for `kind`; never throws (a bad setting is described). */
export async function sessionTransportFact(
  client: DockerClient,
  kind: EngineKind,
  env: (name: string) => string | undefined,
): Promise<SessionTransportFact> {
  let setting: SessionTransportKind | undefined;
  try {
    setting = parseTransportSetting(env("LEASH_SESSION_TRANSPORT"));
  } catch (error) {
    const chosen = chooseTransport(kind, undefined);
    return { kind: chosen, forced: false, description: `${(error as Error).message}` };
  }
  const chosen = chooseTransport(kind, setting);
  const forced = setting !== undefined ? " (forced by LEASH_SESSION_TRANSPORT)" : "";
  if (chosen === "bind-mount") {
    return {
      kind: chosen,
      forced: setting !== undefined,
      description: `bind mounts${forced}: the engine sees this machine's files and unix sockets`,
    };
  }
  let relay: string;
  try {
    const address = await relayAddress(client, env("LEASH_RELAY_ADDRESS"));
    const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
    relay = `leash's relay listener on ${host}${
      address.port ? `:${address.port}` : ""
    } (${address.source})`;
  } catch (error) {
    relay = `no relay listener address: ${(error as Error).message}`;
  }
  return {
    kind: chosen,
    forced: setting !== undefined,
    description:
      `archive + bridge relay${forced}: files through the Engine API into per-session volumes, the workspace copied (not back), -v of host paths refused; ${relay}; authenticated, not encrypted`,
  };
}
