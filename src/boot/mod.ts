/**
 * BOOT (DESIGN.md §3), both halves of the handshake with leash-entry. Shared contract: marker
 * names and shapes (the `landlock.rules` file format is in src/landlock/), their parsers, the
 * atomic host writes, the lifeline name and leash-entry's exit codes. Host half: the waits
 * for leash-entry's markers, the phase's `BootError` messages and the deadline helpers
 * `leash run` uses.
 */
export * from "./errors.ts";
export * from "./markers.ts";
export * from "./cgroup_path.ts";
export * from "./lifeline.ts";
export * from "./write.ts";
export * from "./exit_codes.ts";
export * from "./boot_error.ts";
export * from "./host_errors.ts";
export * from "./host_markers.ts";
export * from "./host_util.ts";
export * from "./wait_marker.ts";
