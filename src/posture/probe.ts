import { assetInfo, hostArchitecture, readAsset } from "../assets.ts";
import { collectOutput, type DockerClient } from "../docker/mod.ts";
import { createManagerContainer, ensureManagerImage, managerHostConfig } from "../manager/mod.ts";
import type { ProbeFacts } from "./facts.ts";

const NOT_BUILT: ProbeFacts = {
  ran: false,
  reason: "leash-helper (the native half) is not built",
  fix: "run scripts/build-native",
};

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
    return NOT_BUILT;
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
    return { ran: false, reason: `leash-helper probe could not run: ${messageOf(error)}`, fix: "" };
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

/** Options for {@linkcode runProbeInContainer}. */
export interface ContainerProbeOptions {
  /** Called once when the manager image has to be built (once per leash version). */
  onBuild?: () => void;
}

/**
 * Runs `leash-helper probe` in a manager container: the exact context sessions load their
 * programs in, so the answer holds for them, and the host needs no root. Never throws.
 */
export async function runProbeInContainer(
  client: DockerClient,
  options: ContainerProbeOptions = {},
): Promise<ProbeFacts> {
  // The engine's own architecture is checked (and named) by ensureManagerImage.
  const host = (await assetInfo()).filter((asset) => asset.arch === hostArchitecture());
  if (host.some((asset) => asset.sha256 === undefined)) return NOT_BUILT;
  let tag: string;
  try {
    let announced = false;
    const onProgress = () => {
      if (!announced) options.onBuild?.();
      announced = true;
    };
    tag = (await ensureManagerImage(client, { onProgress })).tag;
  } catch (error) {
    return { ran: false, reason: `cannot build the manager image: ${messageOf(error)}`, fix: "" };
  }
  let id: string | undefined;
  try {
    id = await createManagerContainer(client, {
      Image: tag,
      Entrypoint: ["/leash-helper", "probe"],
      Cmd: [],
      Labels: { "leash.probe": "1" },
      HostConfig: managerHostConfig(),
    });
    await client.containers.start(id);
    const { StatusCode } = await client.containers.wait(id);
    const output = await collectOutput(
      await client.containers.logs(id, { stdout: true, stderr: true }),
    );
    return parseProbeOutput(output.stdout, StatusCode, output.stderr);
  } catch (error) {
    return { ran: false, reason: `the probe container failed: ${messageOf(error)}`, fix: "" };
  } finally {
    if (id) await client.containers.remove(id, { force: true }).catch(() => {});
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
