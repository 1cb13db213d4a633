/** Asks the kernel for its Landlock ABI version through libc's syscall(2) over Deno FFI. */

const SYS_LANDLOCK_CREATE_RULESET = 444n;
const LANDLOCK_CREATE_RULESET_VERSION = 1;

/** The ABI version (≥1), or 0 with the reason when the kernel refuses Landlock. */
export interface LandlockAnswer {
  abi: number | null;
  note: string;
}

/** Queries the running kernel; never throws (an unavailable FFI gives `abi: null`). */
export function landlockAbi(): LandlockAnswer {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    return { abi: null, note: `not queried on ${Deno.build.os}/${Deno.build.arch}` };
  }
  let libc: Deno.DynamicLibrary<{ syscall: Deno.ForeignFunction }> | undefined;
  try {
    libc = Deno.dlopen(
      "libc.so.6",
      {
        syscall: { parameters: ["i64", "pointer", "usize", "u32"], result: "i64" },
      } as const,
    );
    const result = Number(
      libc.symbols.syscall(SYS_LANDLOCK_CREATE_RULESET, null, 0n, LANDLOCK_CREATE_RULESET_VERSION),
    );
    if (result >= 1) return { abi: result, note: `ABI ${result}` };
    return {
      abi: 0,
      note: "landlock_create_ruleset() failed: Landlock is disabled or not built into this kernel",
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { abi: null, note: `could not call landlock_create_ruleset(): ${message}` };
  } finally {
    libc?.close();
  }
}
