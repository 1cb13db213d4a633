/**
 * Session transports (DESIGN.md §7, docs/remote_engines.md): how a session's files reach its
 * containers and how the manager's relay reaches the host. Bind mounts for engines that see
 * this machine's files; the Engine API's archive endpoints, a bridge container and an
 * authenticated TCP relay for those that do not.
 */
export * from "./session_transport.ts";
export { type BindMountPaths, BindMountTransport } from "./bind_mount.ts";
export { ArchiveTransport, type ArchiveTransportOptions } from "./archive.ts";
export { readContainerFile } from "./archive_marker.ts";
export { chooseTransport, parseTransportSetting } from "./choose.ts";
export {
  type ChosenRelayAddress,
  isLoopback,
  parseRelayAddress,
  type RelayAddress,
  relayAddress,
} from "./relay_address.ts";
export * from "./relay_auth.ts";
export { RelayListener, type RelayListenerOptions, type RelayRefusal } from "./relay_listener.ts";
export { refuseHostBinds, WORKSPACE_MAX_BYTES, workspaceEntries } from "./workspace.ts";
