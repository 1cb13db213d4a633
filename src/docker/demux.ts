import { concatBytes } from "../bytes.ts";

/** Which stream a piece of container output belongs to. */
export type StdStream = "stdin" | "stdout" | "stderr";

/** A piece of container output; one engine frame may arrive as several chunks. */
export interface OutputChunk {
  /** The stream it was written to; raw (TTY) output is always `stdout`. */
  stream: StdStream;
  /** The bytes, in order; never empty. */
  data: Uint8Array;
}

const HEADER_SIZE = 8;
const STREAMS: Record<number, StdStream> = { 0: "stdin", 1: "stdout", 2: "stderr" };
const SYSTEM_ERROR = 3;

/**
 * Splits the engine's multiplexed output (non-TTY logs and attach) into labelled chunks.
 * Each frame is an 8-byte header — stream type, three zero bytes, big-endian payload size —
 * then the payload. Payload bytes are passed on as they arrive, so a large frame is never
 * buffered whole. A system-error frame (type 3) errors the stream with the engine's message.
 */
export class DemuxStream extends TransformStream<Uint8Array, OutputChunk> {
  constructor() {
    const header = new Uint8Array(HEADER_SIZE);
    let headerFill = 0;
    let stream: StdStream | "system" = "stdout";
    let remaining = 0;
    let systemMessage: Uint8Array[] = [];
    const failSystem = () => {
      const text = new TextDecoder().decode(concatBytes(systemMessage)).trim();
      return new Error(`Docker engine reported an error in the output stream: ${text}`);
    };
    super({
      transform(chunk, controller) {
        let offset = 0;
        while (offset < chunk.length) {
          if (remaining === 0 && headerFill < HEADER_SIZE) {
            const take = Math.min(HEADER_SIZE - headerFill, chunk.length - offset);
            header.set(chunk.subarray(offset, offset + take), headerFill);
            headerFill += take;
            offset += take;
            if (headerFill < HEADER_SIZE) break;
            const type = header[0]!;
            const label = type === SYSTEM_ERROR ? "system" : STREAMS[type];
            if (label === undefined) {
              throw new SyntaxError(
                `Cannot demultiplex Docker output: unknown stream type ${type} in frame header; is the container using a TTY?`,
              );
            }
            stream = label;
            remaining = new DataView(header.buffer).getUint32(4);
            if (remaining === 0) {
              headerFill = 0;
              if (stream === "system") throw failSystem();
            }
            continue;
          }
          const take = Math.min(remaining, chunk.length - offset);
          const data = chunk.slice(offset, offset + take);
          offset += take;
          remaining -= take;
          if (stream === "system") systemMessage.push(data);
          else controller.enqueue({ stream, data });
          if (remaining === 0) {
            headerFill = 0;
            if (stream === "system") throw failSystem();
          }
        }
      },
      flush() {
        if (headerFill > 0 && headerFill < HEADER_SIZE) {
          throw new SyntaxError(
            `Cannot demultiplex Docker output: it ended inside a frame header (${headerFill} of 8 bytes)`,
          );
        }
        if (remaining > 0) {
          throw new SyntaxError(
            `Cannot demultiplex Docker output: it ended ${remaining} bytes short of the frame's end`,
          );
        }
        systemMessage = [];
      },
    });
  }
}

/** Labels raw (TTY) output as stdout chunks, so TTY and non-TTY output read alike. */
export class RawOutputStream extends TransformStream<Uint8Array, OutputChunk> {
  constructor() {
    super({
      transform(chunk, controller) {
        if (chunk.length > 0) controller.enqueue({ stream: "stdout", data: chunk });
      },
    });
  }
}

/** Encodes one frame the way the engine does; for tests and fakes. */
export function encodeFrame(stream: StdStream | "system", data: Uint8Array | string): Uint8Array {
  const payload = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const frame = new Uint8Array(HEADER_SIZE + payload.length);
  frame[0] = stream === "system" ? SYSTEM_ERROR : { stdin: 0, stdout: 1, stderr: 2 }[stream];
  new DataView(frame.buffer).setUint32(4, payload.length);
  frame.set(payload, HEADER_SIZE);
  return frame;
}

/** Container output collected as text, per stream. */
export interface CollectedOutput {
  stdout: string;
  stderr: string;
}

/** Reads labelled output to its end and decodes each stream as UTF-8. */
export async function collectOutput(
  chunks: ReadableStream<OutputChunk>,
): Promise<CollectedOutput> {
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  const out: CollectedOutput = { stdout: "", stderr: "" };
  for await (const chunk of chunks) {
    if (chunk.stream === "stdin") continue;
    out[chunk.stream] += decoders[chunk.stream].decode(chunk.data, { stream: true });
  }
  out.stdout += decoders.stdout.decode();
  out.stderr += decoders.stderr.decode();
  return out;
}
