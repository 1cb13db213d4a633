/** A container's death during a session, explained: its exit, the phase, its log's last lines. */
import { join } from "node:path";
import { delay, explainExit, ManagerExit } from "../boot/mod.ts";
import { type LogCapture, logTail } from "./logs.ts";
import { diagnoseSocketFailure } from "./socket_diagnosis.ts";

/** Where the session's logs and sockets are, what it was doing, and its log captures. */
export interface ExplainContext {
  phase: string;
  captures: readonly LogCapture[];
  /** The session's logs dir. */
  logs: string;
  /** The session's socket dir. */
  sockets: string;
}

/**
 * Adds the exit code and log excerpt to a container's death; a manager that could not reach
 * its sockets gets the sockets' modes, owners and the fix instead.
 */
export async function explainDeath(error: unknown, c: ExplainContext): Promise<unknown> {
  const tail = (name: string) => settledTail(c.captures, c.logs, name);
  if (error instanceof ManagerExit) {
    const diagnosed = await diagnoseSocketFailure(await tail("manager.log"), c.sockets);
    if (diagnosed) return diagnosed;
  }
  return await explainExit(error, c.phase, tail);
}

/** The last lines of log `name` once the captures wrote what they had (at most 0.5 s each). */
export async function settledTail(
  captures: readonly LogCapture[],
  logs: string,
  name: string,
): Promise<string> {
  for (const capture of captures) await Promise.race([capture.done, delay(500)]);
  return await logTail(join(logs, name));
}
