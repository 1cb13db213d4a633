/** The leash release version; bumped together with deno.json. */
export const VERSION = "0.1.0";

/** Version of the BOOT marker protocol shared with leash-entry (DESIGN.md §3). */
export const BOOT_PROTOCOL = 1;
