/** The end of every session, successful or not: nothing it started outlives it. */
import { join } from "node:path";
import { delay } from "../boot/mod.ts";
import type { ControlChannel, ControlServer } from "../control/mod.ts";
import type { DockerClient } from "../docker/mod.ts";
import type { Egress } from "../proxy/mod.ts";
import type { ControlUi } from "../ui/mod.ts";
import type { LogCapture } from "./logs.ts";
import type { SessionPaths } from "./paths.ts";

/** What a session may have started by the time it ends (anything not started is undefined). */
export interface SessionResources {
  docker: DockerClient;
  restoreTerminal?: (() => void) | undefined;
  unsubscribe?: (() => void) | undefined;
  channel?: ControlChannel | undefined;
  /** Whether the manager is still running (then it is asked to stop first). */
  managerRunning: boolean;
  /** The manager's creation or start, when under way. */
  managerPending?: Promise<void> | undefined;
  /** The containers to remove, read once `managerPending` settled (it may add the manager). */
  containers(): (string | undefined)[];
  captures: readonly LogCapture[];
  /** The session transport: its volumes and containers go once the target and manager did. */
  transport?: { close(): Promise<void> } | undefined;
  ui?: ControlUi | undefined;
  egress?: Egress | undefined;
  control?: ControlServer | undefined;
  paths?: SessionPaths | undefined;
  eventsFile?: { close(): void } | undefined;
  /** Writes the end-of-session summary (events recorded, losses) before the log closes. */
  summary?: () => Promise<void>;
}

/** Removes both containers, stops the sockets, restores the terminal; never throws. */
export async function teardownSession(r: SessionResources): Promise<void> {
  r.restoreTerminal?.();
  r.unsubscribe?.();
  if (r.channel && r.managerRunning) {
    await r.channel.request({ type: "stop" }, ["stopped"], { timeoutMs: 2000 }).catch(() => {});
  }
  r.channel?.close();
  // A manager still being created or started is waited for, so it cannot outlive the session.
  await r.managerPending?.catch(() => {});
  for (const id of r.containers()) {
    if (id) await r.docker.containers.remove(id, { force: true }).catch(() => {});
  }
  await r.transport?.close().catch(() => {});
  for (const c of r.captures) {
    await Promise.race([c.done, delay(1000)]);
    c.stop();
  }
  await r.ui?.close().catch(() => {});
  await r.egress?.close().catch(() => {});
  await r.control?.close().catch(() => {});
  if (r.paths) {
    await Deno.remove(r.paths.sockets, { recursive: true }).catch(() => {});
    await Deno.remove(join(r.paths.root, "pid")).catch(() => {});
  }
  await r.summary?.().catch(() => {});
  r.eventsFile?.close();
}
