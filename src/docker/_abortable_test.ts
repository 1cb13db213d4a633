import assert from "node:assert/strict";
import { abortable } from "./_abortable.ts";

Deno.test("abortable() rejects a pending read with the abort reason and cancels the source", async () => {
  let cancelledWith: unknown;
  const source = new ReadableStream<number>({ cancel: (reason) => void (cancelledWith = reason) });
  const controller = new AbortController();
  const reader = abortable(source, controller.signal).getReader();
  const pending = reader.read();
  const reason = new DOMException("stop", "AbortError");
  controller.abort(reason);
  await assert.rejects(pending, (error) => error === reason);
  assert.equal(cancelledWith, reason);
});

Deno.test("abortable() passes values, the end and source errors through until aborted", async () => {
  const signal = new AbortController().signal;
  assert.deepEqual(await Array.fromAsync(abortable(ReadableStream.from([1, 2, 3]), signal)), [
    1,
    2,
    3,
  ]);
  const failing = new ReadableStream({ pull: (c) => c.error(new Error("engine went away")) });
  await assert.rejects(Array.fromAsync(abortable(failing, signal)), /engine went away/);
});

Deno.test("abortable() with an already aborted signal errors at once", async () => {
  const stream = abortable(ReadableStream.from([1]), AbortSignal.abort());
  await assert.rejects(stream.getReader().read(), { name: "AbortError" });
});
