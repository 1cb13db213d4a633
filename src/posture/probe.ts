import { readAsset } from "../assets.ts";
import type { ProbeFacts } from "./facts.ts";

/** Options for {@linkcode runProbe}. */
export interface ProbeOptions {
  /** The effective user id; the host probe loads programs itself, which needs root. @default Deno.uid() */
  uid?: number | null;
}

/**
 * Loads real eBPF programs with `leash-helper probe` and reports per program type
 * ("ok" or the kernel's error); it needs root on the host. Never throws.
 */
export async function runProbe(options: ProbeOptions = {}): Promise<ProbeFacts> {
  let helper: Uint8Array;
  try {
    helper = await readAsset("leash-helper");
  } catch {
    return {
      ran: false,
      reason: "leash-helper (the native half) is not built",
      fix: "run scripts/build-native",
    };
  }
  const uid = options.uid === undefined ? Deno.uid() : options.uid;
  if (uid !== 0) {
    return {
      ran: false,
      reason: "loading eBPF programs on the host needs root",
      fix: "run `sudo leash doctor` to measure",
    };
  }
  const dir = await Deno.makeTempDir({ prefix: "leash-probe-" });
  try {
    const path = `${dir}/leash-helper`;
    await Deno.writeFile(path, helper, { mode: 0o700 });
    const output = await new Deno.Command(path, {
      args: ["probe"],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    const text = new TextDecoder().decode(output.stdout);
    return parseProbeOutput(text, output.code, new TextDecoder().decode(output.stderr));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ran: false, reason: `leash-helper probe could not run: ${message}`, fix: "" };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Reads `leash-helper probe`'s JSON: an object of program type → "ok" or an error string. */
export function parseProbeOutput(stdout: string, code: number, stderr: string): ProbeFacts {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    const detail = stderr.trim().split("\n").slice(-1)[0] ?? "";
    return {
      ran: false,
      reason: `leash-helper probe exited ${code} without JSON${detail ? `: ${detail}` : ""}`,
      fix: "",
    };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ran: false, reason: "leash-helper probe printed JSON that is not an object", fix: "" };
  }
  const results: Record<string, string> = {};
  for (const [type, value] of Object.entries(json)) {
    if (typeof value === "string") results[type] = value;
    else if (typeof value === "boolean") results[type] = value ? "ok" : "unavailable";
  }
  return { ran: true, results };
}
