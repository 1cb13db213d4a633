/**
 * The control.sock messages of docs/protocol.md as typed values, and the strict parser of
 * what the manager sends. The C side is bpf/helper (manager role); both must agree.
 */

/** The control protocol version this host speaks. */
export const CONTROL_PROTOCOL = 1;

/** Fields every manager message may carry beyond its own (a newer manager may add some). */
interface Extra {
  [key: string]: unknown;
}

/** `hello`: the manager is up in staging and says what the kernel allowed its probe. */
export interface HelloMessage extends Extra {
  type: "hello";
  protocol: number;
  version: string;
  kernel: string;
  probe: Record<string, unknown>;
}

/** `active`: per requested layer "ok" or why not, and the relay's ports. */
export interface ActiveMessage extends Extra {
  type: "active";
  layers: Record<string, string>;
  relay: Record<string, number>;
}

/** `error`: a request failed (`phase` names which) or a message was not understood. */
export interface ErrorMessage extends Extra {
  type: "error";
  phase: string;
  message: string;
}

/** `event`: a kernel event as the manager prints it. */
export interface KernelEventMessage extends Extra {
  type: "event";
  event: Record<string, unknown>;
}

/** `drops`: ring buffer drops so far (`kernel`) and events the manager could not send (`control`). */
export interface DropsMessage extends Extra {
  type: "drops";
}

/** `relay.error`: a relayed connection failed on the manager's side (`message`). */
export interface RelayErrorMessage extends Extra {
  type: "relay.error";
}

/** `lifeline`: leash-entry's lifeline connection changed (`state`: "held" or "closed"). */
export interface LifelineMessage extends Extra {
  type: "lifeline";
}

/** `stopped`: the answer to `stop`; the manager detached everything and exits. */
export interface StoppedMessage extends Extra {
  type: "stopped";
}

/** `mode.updated`: the answer to `mode.set`. */
export interface ModeUpdatedMessage extends Extra {
  type: "mode.updated";
}

/** `policy.updated`: the answer to `policy.update` (`generation`). */
export interface PolicyUpdatedMessage extends Extra {
  type: "policy.updated";
}

/** The answer to `dst.permit`, matched by `id`; `ok` false with `message` when refused. */
export interface DstPermittedMessage extends Extra {
  type: "dst.permitted";
  id: number;
  ok: boolean;
  count?: number;
  message?: string;
}

/** The manager's messages by type (docs/protocol.md). */
export interface ManagerMessageMap {
  hello: HelloMessage;
  active: ActiveMessage;
  error: ErrorMessage;
  event: KernelEventMessage;
  drops: DropsMessage;
  "relay.error": RelayErrorMessage;
  lifeline: LifelineMessage;
  stopped: StoppedMessage;
  "mode.updated": ModeUpdatedMessage;
  "policy.updated": PolicyUpdatedMessage;
  "dst.permitted": DstPermittedMessage;
}

/** A type of message the manager sends. */
export type ManagerMessageType = keyof ManagerMessageMap;

/**
 * What the manager sends: a union discriminated by `type`. `parseManagerMessage()` checks the
 * fields the host reads, so narrowing on `type` is sound.
 */
export type ManagerMessage = ManagerMessageMap[ManagerMessageType];

const MANAGER_MESSAGE_TYPES: ReadonlySet<string> = new Set<ManagerMessageType>([
  "hello",
  "active",
  "error",
  "event",
  "drops",
  "relay.error",
  "lifeline",
  "stopped",
  "mode.updated",
  "policy.updated",
  "dst.permitted",
]);

/** `activate`: attach the layers to the target's cgroup with this policy and mode. */
export interface ActivateMessage {
  type: "activate";
  /** Absent when `layers` is empty (relay and lifeline only). */
  cgroup?: string;
  mode: "record" | "shadow" | "enforce";
  /** Base64 of the kernel map image. */
  maps: string;
  layers: string[];
  log_allow: boolean;
  /** Abstract socket name the manager listens on for leash-entry's lifeline. */
  lifeline?: string;
}

/** What the host sends. */
export type HostMessage =
  | ActivateMessage
  | { type: "policy.update"; maps: string }
  | { type: "mode.set"; mode: "record" | "shadow" | "enforce" }
  | { type: "dst.permit"; id: number; addrs: string; ttl: number }
  | { type: "stop" };

/**
 * Parses one line from the manager. Throws `SyntaxError` for non-JSON or a value that is not
 * an object with a string `type`, `TypeError` for a type this host does not know or a known
 * type that lacks a field.
 */
export function parseManagerMessage(line: string): ManagerMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new SyntaxError(`Cannot parse control message: not JSON: "${line.slice(0, 80)}"`, {
      cause: error,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError("Cannot parse control message: not a JSON object");
  }
  const object = value as Record<string, unknown>;
  if (typeof object.type !== "string") {
    throw new SyntaxError('Cannot parse control message: "type" is not a string');
  }
  if (!MANAGER_MESSAGE_TYPES.has(object.type)) {
    throw new TypeError(
      `Cannot accept control message "${
        object.type.slice(0, 80)
      }": unknown type (docs/protocol.md)`,
    );
  }
  const need = (key: string, kind: "string" | "number" | "object") => {
    const field = object[key];
    const ok = kind === "object"
      ? typeof field === "object" && field !== null && !Array.isArray(field)
      : kind === "string"
      ? typeof field === "string"
      : typeof field === "number";
    if (!ok) {
      throw new TypeError(
        `Cannot accept control message "${object.type}": "${key}" is not a ${kind}`,
      );
    }
  };
  switch (object.type) {
    case "hello":
      need("protocol", "number");
      need("version", "string");
      if (typeof object.kernel !== "string") object.kernel = "";
      if (typeof object.probe !== "object" || object.probe === null) object.probe = {};
      break;
    case "active":
      need("layers", "object");
      if (typeof object.relay !== "object" || object.relay === null) object.relay = {};
      for (const [layer, status] of Object.entries(object.layers as object)) {
        if (typeof status !== "string") {
          throw new TypeError(
            `Cannot accept control message "active": layer "${layer}" has no status string`,
          );
        }
      }
      break;
    case "error":
      need("message", "string");
      if (typeof object.phase !== "string") object.phase = "";
      break;
    case "event":
      need("event", "object");
      break;
  }
  return object as ManagerMessage;
}

/** Renders a host message as one line. */
export function encodeHostMessage(message: HostMessage): string {
  return JSON.stringify(message) + "\n";
}
