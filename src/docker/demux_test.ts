import assert from "node:assert/strict";
import { concatBytes } from "../bytes.ts";
import {
  collectOutput,
  DemuxStream,
  encodeFrame,
  type OutputChunk,
  RawOutputStream,
} from "./demux.ts";

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks);
}

async function demux(chunks: Uint8Array[]): Promise<OutputChunk[]> {
  return await Array.fromAsync(streamOf(chunks).pipeThrough(new DemuxStream()));
}

/** Cuts bytes into pieces of `size` bytes. */
function slices(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
  return out;
}

const sample = concatBytes([
  encodeFrame("stdout", "out 1\n"),
  encodeFrame("stderr", "err 1\n"),
  encodeFrame("stdout", "out 2\n"),
]);

Deno.test("DemuxStream labels stdout and stderr frames", async () => {
  const chunks = await demux([sample]);
  const decoder = new TextDecoder();
  assert.deepEqual(
    chunks.map((c) => [c.stream, decoder.decode(c.data)]),
    [["stdout", "out 1\n"], ["stderr", "err 1\n"], ["stdout", "out 2\n"]],
  );
});

Deno.test("DemuxStream gives the same output whatever the chunk boundaries", async () => {
  for (const size of [1, 2, 3, 7, 8, 9, 13, sample.length]) {
    const output = await collectOutput(
      streamOf(slices(sample, size)).pipeThrough(new DemuxStream()),
    );
    assert.deepEqual(output, { stdout: "out 1\nout 2\n", stderr: "err 1\n" }, `chunk size ${size}`);
  }
});

Deno.test("DemuxStream skips empty frames", async () => {
  const bytes = concatBytes([
    encodeFrame("stdout", ""),
    encodeFrame("stderr", "e"),
    encodeFrame("stdout", ""),
  ]);
  const chunks = await demux(slices(bytes, 5));
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0]!.stream, "stderr");
  assert.deepEqual(chunks[0]!.data, new TextEncoder().encode("e"));
});

Deno.test("DemuxStream passes a large frame on as it arrives, without buffering it whole", async () => {
  const payload = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 31) & 0xff);
  const bytes = concatBytes([encodeFrame("stdout", payload), encodeFrame("stderr", "tail")]);
  const chunks = await demux(slices(bytes, 64 * 1024));
  const stdout = chunks.filter((c) => c.stream === "stdout");
  assert.ok(stdout.length > 40, `expected many pieces, got ${stdout.length}`);
  assert.ok(stdout.every((c) => c.data.length <= 64 * 1024));
  assert.deepEqual(concatBytes(stdout.map((c) => c.data)), payload);
  assert.equal(new TextDecoder().decode(chunks.at(-1)!.data), "tail");
});

Deno.test("DemuxStream keeps multi-byte characters split across frames intact", async () => {
  const text = new TextEncoder().encode("héllo ✓");
  const bytes = concatBytes([
    encodeFrame("stdout", text.subarray(0, 2)),
    encodeFrame("stdout", text.subarray(2)),
  ]);
  const output = await collectOutput(streamOf(slices(bytes, 3)).pipeThrough(new DemuxStream()));
  assert.equal(output.stdout, "héllo ✓");
});

Deno.test("DemuxStream errors when the output ends inside a frame", async () => {
  const truncated = encodeFrame("stdout", "abcdef").subarray(0, 11);
  await assert.rejects(demux([truncated]), /ended 3 bytes short of the frame's end/);
  await assert.rejects(demux([sample.subarray(0, 5)]), /ended inside a frame header \(5 of 8/);
});

Deno.test("DemuxStream rejects raw TTY output with a hint", async () => {
  await assert.rejects(
    demux([new TextEncoder().encode("hello from a tty\n")]),
    /unknown stream type 104 .*TTY/,
  );
});

Deno.test("DemuxStream turns a system-error frame into an error with the engine's message", async () => {
  const bytes = concatBytes([
    encodeFrame("stdout", "partial\n"),
    encodeFrame("system", "error from daemon in stream: boom\n"),
  ]);
  await assert.rejects(
    demux([bytes]),
    /error in the output stream: error from daemon in stream: boom$/,
  );
});

Deno.test("RawOutputStream labels TTY output as stdout", async () => {
  const chunks = await Array.fromAsync(
    streamOf([new TextEncoder().encode("a"), new Uint8Array(0)]).pipeThrough(new RawOutputStream()),
  );
  assert.deepEqual(chunks.map((c) => c.stream), ["stdout"]);
});
