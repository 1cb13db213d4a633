/** Copies a container's output into a session log file through the Docker API. */
import type { DockerClient } from "../docker/mod.ts";
import type { Redactor } from "../events/mod.ts";
import { markerPatterns, StreamMasker } from "../proxy/mod.ts";

/** A running capture; `done` settles when the container's output ended or `stop()` was called. */
export interface LogCapture {
  done: Promise<void>;
  stop(): void;
}

/**
 * Follows `id`'s logs (both streams, in order) into `path` (0600, appended), with the secret
 * values `redactor` knows masked as `«secret:NAME»`, also when a value is split across chunks.
 */
export function captureLogs(
  client: DockerClient,
  id: string,
  path: string,
  redactor?: Redactor,
): LogCapture {
  const controller = new AbortController();
  const done = (async () => {
    const file = await Deno.open(path, { create: true, append: true, mode: 0o600 });
    const masker = new StreamMasker(markerPatterns(redactor?.entries() ?? []));
    const write = async (bytes: Uint8Array) => {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    };
    try {
      const stream = await client.containers.logs(id, {
        follow: true,
        signal: controller.signal,
      });
      for await (const chunk of stream) await write(masker.push(chunk.data));
    } catch {
      // Stopped or the container vanished: the log holds what arrived.
    } finally {
      await write(masker.end()).catch(() => {});
      file.close();
    }
  })();
  return { done, stop: () => controller.abort() };
}

/** The last `lines` lines of a log file (for error messages); "" when unreadable. */
export async function logTail(path: string, lines = 10): Promise<string> {
  try {
    const text = await Deno.readTextFile(path);
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
