/**
 * The control.sock messages of docs/protocol.md as typed values, and the strict parser of
 * what the manager sends. The C side is bpf/helper (manager role); both must agree.
 */

/** The control protocol version this host speaks. */
export const CONTROL_PROTOCOL = 1;

/** `hello`: the manager is up in staging and says what the kernel allowed its probe. */
export interface HelloMessage {
  type: "hello";
  protocol: number;
  version: string;
  kernel: string;
  probe: Record<string, unknown>;
}

/** `active`: per requested layer "ok" or why not, and the relay's ports. */
export interface ActiveMessage {
  type: "active";
  layers: Record<string, string>;
  relay: Record<string, number>;
}

/** `error`: a request failed (`phase` names which) or a message was not understood. */
export interface ErrorMessage {
  type: "error";
  phase: string;
  message: string;
}

/** `event`: a kernel event as the manager prints it. */
export interface KernelEventMessage {
  type: "event";
  event: Record<string, unknown>;
}

/** Any other message with a `type` (answers like `stopped`, `drops`, `relay.error`). */
export interface OtherMessage {
  type: string;
  [key: string]: unknown;
}

/**
 * What the manager sends. `parseManagerMessage()` checks the fields of the known types, so
 * a message of type "hello" may be read as {@linkcode HelloMessage}, and so on.
 */
export type ManagerMessage = OtherMessage;

/** `activate`: attach the layers to the target's cgroup with this policy and mode. */
export interface ActivateMessage {
  type: "activate";
  cgroup: string;
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
 * an object with a string `type`, `TypeError` when a known type lacks a field.
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
