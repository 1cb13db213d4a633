import assert from "node:assert/strict";
import { raceDeadline } from "./host_util.ts";

Deno.test("raceDeadline() resolves to the promise's value before the deadline", async () => {
  const value = await raceDeadline(Promise.resolve(7), performance.now() + 60_000, () => {}, () => {
    throw new Error("no timeout expected");
  });
  assert.equal(value, 7);
});

Deno.test("raceDeadline() rejects with timeout() once the deadline has passed", async () => {
  const never = new Promise<number>(() => {});
  await assert.rejects(
    raceDeadline(never, performance.now(), () => {}, () => new RangeError("too late")),
    { name: "RangeError", message: "too late" },
  );
});

Deno.test("raceDeadline() rejects with what check() throws and swallows the abandoned promise's rejection", async () => {
  let fail!: (error: Error) => void;
  const pending = new Promise<number>((_, reject) => (fail = reject));
  await assert.rejects(
    raceDeadline(pending, performance.now() + 60_000, () => {
      throw new TypeError("target died");
    }, () => new RangeError("too late")),
    { name: "TypeError", message: "target died" },
  );
  fail(new Error("late rejection"));
  await new Promise((resolve) => setTimeout(resolve, 0));
});
