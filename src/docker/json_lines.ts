/**
 * Parses a byte stream of newline-delimited JSON values (build progress, events, pulls).
 * Blank lines are skipped; a line that is not JSON errors the stream with a `SyntaxError`.
 */
export class JsonLinesStream extends TransformStream<Uint8Array, unknown> {
  constructor() {
    const decoder = new TextDecoder();
    let pending = "";
    const emit = (line: string, controller: TransformStreamDefaultController<unknown>) => {
      const trimmed = line.trim();
      if (trimmed === "") return;
      try {
        controller.enqueue(JSON.parse(trimmed));
      } catch (error) {
        throw new SyntaxError(
          `Cannot parse Docker engine output as JSON lines: ${
            JSON.stringify(trimmed.slice(0, 200))
          }`,
          { cause: error },
        );
      }
    };
    super({
      transform(chunk, controller) {
        pending += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = pending.indexOf("\n")) >= 0) {
          emit(pending.slice(0, newline), controller);
          pending = pending.slice(newline + 1);
        }
      },
      flush(controller) {
        emit(pending + decoder.decode(), controller);
      },
    });
  }
}
