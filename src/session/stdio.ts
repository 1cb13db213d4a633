/** Connects the terminal (or pipes) to the target's attached stdio. */
import type { AttachSession } from "../docker/mod.ts";

/** The host side of the command's stdio. */
export interface HostStdio {
  /** Input to forward, or null when the command gets none. */
  stdin: ReadableStream<Uint8Array> | null;
  writeOut(data: Uint8Array): Promise<void>;
  writeErr(data: Uint8Array): Promise<void>;
}

/** Options for {@linkcode pumpStdio}. */
export interface PumpOptions {
  /**
   * Forward end of input as a half-close. Off for TTY sessions: the engine ends a TTY
   * attach when its stdin closes, which would cut the output. @default true
   */
  closeStdin?: boolean;
}

/** Pumps the attach session both ways; `output` settles once the container's streams end. */
export function pumpStdio(
  session: AttachSession,
  stdio: HostStdio,
  options: PumpOptions = {},
): { output: Promise<void>; stop(): void } {
  let stopped = false;
  const reader = stdio.stdin?.getReader();
  (async () => {
    if (!reader) return;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || stopped) break;
        await session.write(value);
      }
      if (!stopped && options.closeStdin !== false) await session.closeStdin();
    } catch {
      // The container went away; nothing left to feed.
    }
  })();
  const output = (async () => {
    try {
      for await (const chunk of session.output) {
        if (chunk.stream === "stderr") await stdio.writeErr(chunk.data);
        else await stdio.writeOut(chunk.data);
      }
    } catch {
      // Connection closed during teardown.
    }
  })();
  return {
    output,
    stop() {
      stopped = true;
      reader?.cancel().catch(() => {});
    },
  };
}
