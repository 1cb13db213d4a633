/**
 * Ends `stream` when `signal` aborts: readers get the abort reason at once and the source is
 * cancelled, which closes its connection. Fetch aborts alone do not reliably reach a response
 * body that is already being piped, so every streaming call wraps its output with this.
 */
export function abortable<T>(
  stream: ReadableStream<T>,
  signal: AbortSignal | undefined,
): ReadableStream<T> {
  if (signal === undefined) return stream;
  const reader = stream.getReader();
  let onAbort = () => {};
  const release = () => signal.removeEventListener("abort", onAbort);
  return new ReadableStream<T>({
    start(controller) {
      onAbort = () => {
        controller.error(signal.reason);
        reader.cancel(signal.reason).catch(() => {});
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    },
    async pull(controller) {
      let next: ReadableStreamReadResult<T>;
      try {
        next = await reader.read();
      } catch (error) {
        release();
        if (!signal.aborted) controller.error(error);
        return;
      }
      if (signal.aborted) return;
      if (next.done) {
        release();
        controller.close();
      } else {
        controller.enqueue(next.value);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
