/**
 * Files for the kernel VM's executable-mapping cases (vm/lsm_cases.sh): this host's dynamic
 * loader and libc under /opt/lib, a dynamic program linked against them, a payload and an
 * LD_PRELOAD library in /work, and the static mapprobe tool.
 */
const TOOLS = new URL("./tools/", import.meta.url).pathname;

async function gcc(args: string[]): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "leash-map-" });
  try {
    const result = await new Deno.Command("gcc", {
      args: [...args, "-o", `${dir}/out`],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!result.success) throw new Error(`Cannot build ${args.join(" ")}: gcc failed`);
    return await Deno.readFile(`${dir}/out`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** VM path → content for the loader, LD_PRELOAD and mmap/mprotect cases. */
export async function mappingWorkload(): Promise<Record<string, Uint8Array>> {
  const dynamic = [
    "-O2",
    "-Wl,--dynamic-linker=/opt/lib/ld-linux-x86-64.so.2",
    "-Wl,-rpath,/opt/lib",
  ];
  return {
    "/opt/lib/ld-linux-x86-64.so.2": await Deno.readFile("/lib64/ld-linux-x86-64.so.2"),
    "/opt/lib/libc.so.6": await Deno.readFile("/lib/x86_64-linux-gnu/libc.so.6"),
    "/opt/allowed/dyn": await gcc([...dynamic, '-DMESSAGE="dyn ran"', `${TOOLS}dynprobe.c`]),
    "/work/payload": await gcc([...dynamic, '-DMESSAGE="payload ran"', `${TOOLS}dynprobe.c`]),
    "/work/preload.so": await gcc(["-O2", "-shared", "-fPIC", `${TOOLS}preload.c`]),
    "/bin/mapprobe": await gcc(["-static", "-O2", `${TOOLS}mapprobe.c`]),
  };
}
