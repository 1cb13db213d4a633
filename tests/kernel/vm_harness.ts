/**
 * Drives scripts/kernel-vm/run for the kernel tests: stages the static helper, the netprobe
 * workload, map images and a cases script, boots the VM once and parses its console.
 */
import { existsSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url).pathname;

/** One "LEASH-CASE name rc=N out=..." line. */
export interface VmCase {
  rc: number;
  out: string;
}

/** What one VM boot reported. */
export interface VmRun {
  cases: Map<string, VmCase>;
  events: Record<string, unknown>[];
  info: string[];
  console: string;
  seconds: number;
}

/**
 * The VM's architecture: `LEASH_VM_ARCH` (`aarch64` in the release-only kernel-arm64 tier:
 * Debian's arm64 kernel under qemu-system-aarch64, the aarch64 helper and cross-built tools),
 * else x86_64.
 */
export const VM_ARCH: "x86_64" | "aarch64" = Deno.env.get("LEASH_VM_ARCH") === "aarch64"
  ? "aarch64"
  : "x86_64";

/** The C compiler for the VM's programs: this machine's gcc or Debian's aarch64 cross gcc. */
export const VM_CC = VM_ARCH === "aarch64" ? "aarch64-linux-gnu-gcc" : "gcc";

/** Why the kernel VM cannot run here, or undefined when it can. */
export function vmUnavailable(): string | undefined {
  if (Deno.uid() !== 0) return "the kernel VM tests need root (they install packages and run QEMU)";
  if (VM_ARCH === "aarch64") {
    for (const tool of ["qemu-system-aarch64", "qemu-aarch64-static", "aarch64-linux-gnu-gcc"]) {
      if (!existsSync(`/usr/bin/${tool}`)) {
        return `${tool} is not installed (scripts/test kernel-arm64 installs it)`;
      }
    }
    return undefined;
  }
  if (!existsSync("/dev/kvm") && !existsSync("/usr/bin/qemu-system-x86_64")) {
    return "qemu-system-x86_64 is not installed (scripts/test kernel installs it)";
  }
  if (![...Deno.readDirSync("/boot")].some((e) => e.name.startsWith("vmlinuz-"))) {
    return "no /boot/vmlinuz-* (install linux-image-amd64)";
  }
  return undefined;
}

/** Builds tests/kernel/tools/netprobe.c statically into `out` (with `cc`, default gcc). */
export async function buildNetprobe(out: string, cc = "gcc"): Promise<void> {
  const result = await new Deno.Command(cc, {
    args: ["-static", "-O2", "-o", out, `${ROOT}tests/kernel/tools/netprobe.c`],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) throw new Error(`Cannot build netprobe: ${cc} failed`);
}

/** Options for {@linkcode bootVm}. */
export interface BootVmOptions {
  /** Extra files of the VM root: path inside the VM → content. */
  files: Record<string, Uint8Array | string>;
  /** Seconds before QEMU is killed. @default 900 */
  timeout?: number;
  /** Extra QEMU options, word-split (LEASH_VM_QEMU_ARGS of scripts/kernel-vm/run). @default inherited */
  qemuArgs?: string;
}

/** Boots the VM with the helper, netprobe, the given cases script and files. */
export async function bootVm(casesScript: string, options: BootVmOptions): Promise<VmRun> {
  const stage = await Deno.makeTempDir({ prefix: "leash-vm-" });
  try {
    await Deno.mkdir(`${stage}/bin`, { recursive: true });
    await Deno.copyFile(`${ROOT}bpf/dist/${VM_ARCH}/leash-helper`, `${stage}/bin/leash-helper`);
    await Deno.chmod(`${stage}/bin/leash-helper`, 0o755);
    await buildNetprobe(`${stage}/bin/netprobe`, VM_CC);
    await Deno.copyFile(casesScript, `${stage}/cases.sh`);
    for (const [path, content] of Object.entries(options.files)) {
      const data = typeof content === "string" ? new TextEncoder().encode(content) : content;
      const target = `${stage}/${path.replace(/^\//, "")}`;
      await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
      await Deno.writeFile(target, data);
    }
    const started = performance.now();
    const result = await new Deno.Command(`${ROOT}scripts/kernel-vm/run`, {
      args: [stage, String(options.timeout ?? 900)],
      env: {
        LEASH_VM_ARCH: VM_ARCH,
        ...(options.qemuArgs === undefined ? {} : { LEASH_VM_QEMU_ARGS: options.qemuArgs }),
      },
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const seconds = (performance.now() - started) / 1000;
    const console = new TextDecoder().decode(result.stdout).replaceAll("\r", "");
    return { ...parseConsole(console), console, seconds };
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
}

/** Parses the VM console's "LEASH-" lines. */
export function parseConsole(text: string): Omit<VmRun, "console" | "seconds"> {
  const cases = new Map<string, VmCase>();
  const events: Record<string, unknown>[] = [];
  const info: string[] = [];
  for (const line of text.split("\n")) {
    const at = line.indexOf("LEASH-");
    if (at < 0) continue;
    const rest = line.slice(at);
    const m = rest.match(/^LEASH-CASE (\S+) rc=(\d+) out=(.*)$/);
    if (m) {
      cases.set(m[1]!, { rc: Number(m[2]), out: m[3]!.trim() });
    } else if (rest.startsWith("LEASH-EVENT ")) {
      try {
        events.push(JSON.parse(rest.slice("LEASH-EVENT ".length)));
      } catch {
        info.push(`unparsable event: ${rest}`);
      }
    } else {
      info.push(rest);
    }
  }
  return { cases, events, info };
}
