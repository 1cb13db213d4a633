/**
 * File-system helpers with the guarantees DESIGN.md asks for: atomic writes (temp file, fsync,
 * rename), private dirs and files (refusing looser modes), existence checks.
 */
export * from "./atomic.ts";
export * from "./exists.ts";
export * from "./private.ts";
