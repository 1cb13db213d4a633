/**
 * The manager (DESIGN.md §1): its image, built FROM scratch from the embedded helper and eBPF
 * objects and tagged by content hash, and its privileged container in the target's netns.
 */
export * from "./arch.ts";
export * from "./container.ts";
export * from "./image.ts";
