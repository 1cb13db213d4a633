/** Which session transport an engine gets (docs/remote_engines.md §1). */
import type { EngineKind } from "../docker/mod.ts";
import type { SessionTransportKind } from "./session_transport.ts";

/**
 * Parses `LEASH_SESSION_TRANSPORT` (`bind-mount` or `archive`; unset or empty: automatic).
 * Throws `TypeError` naming the value and the choices.
 */
export function parseTransportSetting(text: string | undefined): SessionTransportKind | undefined {
  if (text === undefined || text === "") return undefined;
  if (text === "bind-mount" || text === "archive") return text;
  throw new TypeError(
    `Invalid LEASH_SESSION_TRANSPORT "${text}": use "bind-mount" (the engine sees this machine's files) or "archive" (it does not), or leave it unset`,
  );
}

/**
 * An engine on another kernel (Docker Desktop, a VM, tcp://, ssh://) cannot see this machine's
 * files: archive. Every other engine: bind mounts, unless `setting` forces one.
 */
export function chooseTransport(
  engine: EngineKind,
  setting: SessionTransportKind | undefined,
): SessionTransportKind {
  return setting ?? (engine === "remote" ? "archive" : "bind-mount");
}
