/**
 * Steady state: the command runs until the target stops, or the manager dies under it (then
 * the session failed closed, DESIGN.md §3).
 */
import {
  delay,
  ENTRY_EXIT_LIFELINE,
  ENTRY_EXIT_LIFELINE_LOST,
  managerDiedInSteady,
  targetVanished,
} from "../boot/mod.ts";
import type { AttachSession, DockerClient } from "../docker/mod.ts";
import type { ExitWatch } from "./exit_watch.ts";

/** The command's stdio, attached to the target before it starts. */
export interface TargetStdio {
  attach: AttachSession;
  pump: { output: Promise<void>; stop(): void };
}

/** What the steady phase watches. */
export interface SteadyParts {
  docker: DockerClient;
  target: string;
  targetWatch: ExitWatch;
  managerWatch: ExitWatch;
  stdio: TargetStdio;
  /** The manager's log file, named when it died without output. */
  managerLog: string;
  /** The last lines of the manager's log once its capture settled. */
  managerTail(): Promise<string>;
}

/**
 * Waits for the command to end and resolves to its exit status; throws `BootError` when the
 * manager died under it or Docker lost the target.
 */
export async function awaitCommand(parts: SteadyParts): Promise<number> {
  const { targetWatch, managerWatch, stdio } = parts;
  await Promise.race([targetWatch.exit, managerWatch.exit]);
  const managerDied = await managerDiedFirst(parts);
  const status = await targetWatch.exit;
  await Promise.race([stdio.pump.output, delay(2000)]);
  stdio.pump.stop();
  stdio.attach.close();
  if (managerDied) {
    throw managerDiedInSteady(managerWatch.status, await parts.managerTail(), parts.managerLog);
  }
  if (status === -1) throw targetVanished();
  return status;
}

/**
 * After the target or the manager stopped in steady state: whether the manager died under
 * the command. leash-entry kills the command when its lifeline closes (status 120), or
 * never starts it when the lifeline is gone already (119); if the target is still up after
 * a grace (an entry without the lifeline), the host kills it.
 */
async function managerDiedFirst(parts: SteadyParts): Promise<boolean> {
  const { targetWatch, managerWatch } = parts;
  const lifeline = [ENTRY_EXIT_LIFELINE, ENTRY_EXIT_LIFELINE_LOST];
  if (targetWatch.status !== undefined && lifeline.includes(targetWatch.status)) {
    // Docker may report the target's exit before the manager's.
    await Promise.race([managerWatch.exit, delay(2000)]);
  }
  if (managerWatch.status === undefined) return false;
  await Promise.race([targetWatch.exit, delay(5000)]);
  if (targetWatch.status === undefined) {
    await parts.docker.containers.kill(parts.target, "SIGKILL").catch(() => {});
  }
  return true;
}
