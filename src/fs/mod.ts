/**
 * File-system helpers with the guarantees DESIGN.md asks for: atomic writes (temp file, fsync,
 * rename), private dirs and files (refusing looser modes), existence checks, and the
 * `FsAdapter` interface the host side reads and removes files through.
 */
export * from "./atomic.ts";
export * from "./exists.ts";
export * from "./private.ts";
export * from "./adapter.ts";
export * from "./memory_fs.ts";
export * from "./untrusted.ts";
export * from "./exclusive.ts";
export * from "./safe_path.ts";
