/**
 * The session's two exchanges with the manager during BOOT (DESIGN.md §3, docs/protocol.md):
 * `hello` once it connected to control.sock, and `activate` answered by `active`.
 */
import { activateFailed, managerProtocolMismatch } from "../boot/mod.ts";
import {
  type ActivateMessage,
  type ActiveMessage,
  type ControlChannel,
  ControlError,
  type ControlServer,
  type HelloMessage,
} from "../control/mod.ts";
import type { DropCounter, EventLog } from "../events/mod.ts";
import { relayManagerMessage } from "./manager_messages.ts";

/**
 * Bounds a wait on the manager by the session (its bootstrap deadline, its containers' lives);
 * `what` names what did not happen when it runs out.
 */
export type BoundedWait = <T>(promise: Promise<T>, what: string) => Promise<T>;

/**
 * Accepts the manager's control connection (its unsolicited messages become session events,
 * its loss counts go to `drops`, failed opens beneath `masked` are denies) and waits for its `hello`; throws `BootError` when it speaks another protocol.
 */
export async function acceptManager(
  control: ControlServer,
  events: EventLog,
  drops: DropCounter,
  signal: AbortSignal,
  bounded: BoundedWait,
  masked: readonly string[] = [],
): Promise<{ channel: ControlChannel; hello: HelloMessage }> {
  const channel = await bounded(
    control.accept({
      signal,
      onUnsolicited: (m) => relayManagerMessage(events, m, drops, masked),
    }),
    "the manager did not connect to control.sock",
  );
  const hello = await bounded(
    channel.next(["hello"], { signal }),
    "the manager did not say hello",
  );
  if (hello.protocol !== 1) throw managerProtocolMismatch(hello.protocol);
  return { channel, hello };
}

/**
 * Sends `activate` and waits for `active`; a refusal is the activation's `BootError`, which
 * points at `managerLog`.
 */
export async function requestActivation(
  channel: ControlChannel,
  message: ActivateMessage,
  options: { signal: AbortSignal; bounded: BoundedWait; managerLog: string },
): Promise<ActiveMessage> {
  try {
    return await options.bounded(
      channel.request(message, ["active"], { signal: options.signal }),
      "the manager did not answer activate",
    );
  } catch (error) {
    if (error instanceof ControlError && error.phase === "activate") {
      throw activateFailed(error, options.managerLog);
    }
    throw error;
  }
}
