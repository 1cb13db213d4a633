/**
 * Files for the kernel VM's executable-mapping cases (vm/lsm_cases.sh): the VM architecture's
 * dynamic loader and libc under /opt/lib (this host's, or Debian's aarch64 cross libc), a dynamic program linked against them, a payload and an
 * LD_PRELOAD library in /work, and the static mapprobe tool.
 */
import { VM_ARCH, VM_CC } from "./vm_harness.ts";

const TOOLS = new URL("./tools/", import.meta.url).pathname;
const LIBC = VM_ARCH === "aarch64"
  ? { loader: "ld-linux-aarch64.so.1", dir: "/usr/aarch64-linux-gnu/lib" }
  : { loader: "ld-linux-x86-64.so.2", dir: "/lib/x86_64-linux-gnu" };

async function gcc(args: string[]): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "leash-map-" });
  try {
    const result = await new Deno.Command(VM_CC, {
      args: [...args, "-o", `${dir}/out`],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!result.success) throw new Error(`Cannot build ${args.join(" ")}: ${VM_CC} failed`);
    return await Deno.readFile(`${dir}/out`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** VM path → content for the loader, LD_PRELOAD and mmap/mprotect cases. */
export async function mappingWorkload(): Promise<Record<string, Uint8Array>> {
  const dynamic = [
    "-O2",
    `-Wl,--dynamic-linker=/opt/lib/${LIBC.loader}`,
    "-Wl,-rpath,/opt/lib",
  ];
  return {
    [`/opt/lib/${LIBC.loader}`]: await Deno.readFile(`${LIBC.dir}/${LIBC.loader}`),
    "/opt/lib/libc.so.6": await Deno.readFile(`${LIBC.dir}/libc.so.6`),
    "/opt/allowed/dyn": await gcc([...dynamic, '-DMESSAGE="dyn ran"', `${TOOLS}dynprobe.c`]),
    "/work/payload": await gcc([...dynamic, '-DMESSAGE="payload ran"', `${TOOLS}dynprobe.c`]),
    "/work/preload.so": await gcc(["-O2", "-shared", "-fPIC", `${TOOLS}preload.c`]),
    "/bin/mapprobe": await gcc(["-static", "-O2", `${TOOLS}mapprobe.c`]),
  };
}
