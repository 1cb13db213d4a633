/**
 * BOOT (DESIGN.md §3), the contract between the host and leash-entry: marker names and
 * shapes, their parsers, the atomic host writes and the Landlock ruleset file.
 */
export * from "./errors.ts";
export * from "./markers.ts";
export * from "./cgroup_path.ts";
export * from "./lifeline.ts";
export * from "./landlock_rules.ts";
export * from "./write.ts";
export * from "./exit_codes.ts";
