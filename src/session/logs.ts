/** Copies a container's output into a session log file through the Docker API. */
import type { DockerClient } from "../docker/mod.ts";

/** A running capture; `done` settles when the container's output ended or `stop()` was called. */
export interface LogCapture {
  done: Promise<void>;
  stop(): void;
}

/** Follows `id`'s logs (both streams, in order) into `path` (0600, appended). */
export function captureLogs(client: DockerClient, id: string, path: string): LogCapture {
  const controller = new AbortController();
  const done = (async () => {
    const file = await Deno.open(path, { create: true, append: true, mode: 0o600 });
    try {
      const stream = await client.containers.logs(id, {
        follow: true,
        signal: controller.signal,
      });
      for await (const chunk of stream) {
        let written = 0;
        while (written < chunk.data.length) {
          written += await file.write(chunk.data.subarray(written));
        }
      }
    } catch {
      // Stopped or the container vanished: the log holds what arrived.
    } finally {
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
