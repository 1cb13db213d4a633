/** The session's transport (src/transport/): chosen by engine kind or `LEASH_SESSION_TRANSPORT`. */
import type { EngineKind } from "../docker/mod.ts";
import type { EventLog } from "../events/mod.ts";
import {
  ArchiveTransport,
  BindMountTransport,
  chooseTransport,
  refuseHostBinds,
  type SessionTransport,
} from "../transport/mod.ts";
import type { SessionPaths } from "./paths.ts";
import type { RunIo, RunOptions } from "./run_options.ts";

/** What picks and builds a session's transport. */
export interface SessionTransportInput {
  kind: EngineKind;
  io: Pick<RunIo, "docker" | "cwd" | "note" | "sessionTransport" | "relayAddress">;
  options: Pick<RunOptions, "volumes">;
  paths: SessionPaths;
  /** The manager image (the archive transport's stage and bridge run its helper). */
  image: string;
  /** Gets a `session.relay_refused` event per relay connection refused unheard. */
  events: EventLog;
}

/**
 * Bind mounts where the engine sees this machine's files; else the archive transport, which
 * refuses `-v` mounts of host paths with the fix (a named volume).
 */
export async function sessionTransport(input: SessionTransportInput): Promise<SessionTransport> {
  const { io, paths } = input;
  const kind = chooseTransport(input.kind, io.sessionTransport);
  if (kind === "bind-mount") return new BindMountTransport(paths);
  refuseHostBinds(input.options.volumes);
  await io.note(
    `leash: session transport: archive (files through the Engine API, relay through an authenticated bridge)\n`,
  );
  return new ArchiveTransport({
    docker: io.docker,
    sessionId: paths.id,
    publicDir: paths.public,
    publicBin: paths.publicBin,
    socketDir: paths.sockets,
    image: input.image,
    cwd: io.cwd,
    relayAddress: io.relayAddress,
    onRefused: ({ reason, peer }) =>
      input.events.emit({
        event: "session.relay_refused",
        decision: "deny",
        layer: "relay",
        message: `relay connection from ${peer} refused: ${reason}`,
      }),
    note: (line) => io.note(line),
  });
}
