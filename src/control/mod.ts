/** The host side of control.sock (docs/protocol.md): listener, channel, messages. */
export {
  ControlChannel,
  type ControlChannelOptions,
  type ControlConn,
  UNSOLICITED_TYPES,
  type WaitOptions,
} from "./channel.ts";
export { ControlError } from "./errors.ts";
export { DestinationPermits } from "./permits.ts";
export { LineSplitter, type LineSplitterOptions } from "./line_reader.ts";
export * from "./messages.ts";
export { type AcceptOptions, ControlServer } from "./server.ts";
