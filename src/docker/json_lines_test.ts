import assert from "node:assert/strict";
import { JsonLinesStream } from "./json_lines.ts";

async function parse(chunks: string[]): Promise<unknown[]> {
  const encoder = new TextEncoder();
  return await Array.fromAsync(
    ReadableStream.from(chunks.map((c) => encoder.encode(c))).pipeThrough(new JsonLinesStream()),
  );
}

Deno.test("JsonLinesStream parses values split across chunks and CRLF endings", async () => {
  assert.deepEqual(
    await parse(['{"stream":"Step 1/2', ' : FROM scratch\\n"}\r\n{"a', '":1}\r\n\r\n', '{"b":2}']),
    [{ stream: "Step 1/2 : FROM scratch\n" }, { a: 1 }, { b: 2 }],
  );
});

Deno.test("JsonLinesStream errors on a line that is not JSON", async () => {
  await assert.rejects(
    parse(['{"a":1}\nnot json\n']),
    /Cannot parse Docker engine output as JSON lines: "not json"/,
  );
});
