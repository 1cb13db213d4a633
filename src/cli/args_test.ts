import assert from "node:assert/strict";
import { listFlag, parseFlags, stringFlag } from "./args.ts";
import { UsageError } from "./errors.ts";

const spec = {
  image: { type: "string" },
  env: { type: "string", short: "e", multiple: true },
  json: { type: "boolean" },
} as const;

Deno.test("parseFlags() turns an unknown flag into a UsageError with a suggestion", () => {
  assert.throws(
    () => parseFlags("doctor", ["--jsn"], spec),
    (error: unknown) =>
      error instanceof UsageError && error.command === "doctor" &&
      error.message === 'Unknown flag "--jsn": did you mean "--json"?',
  );
});

Deno.test("parseFlags() says a string flag needs a value", () => {
  assert.throws(() => parseFlags("run", ["--image"], spec), /Flag "--image" needs a value/);
});

Deno.test("parseFlags() keeps the command after the first positional verbatim", () => {
  const flags = parseFlags("run", ["--image", "x", "-e", "A=1", "sh", "-c", "--json"], spec, {
    stopAtPositional: true,
  });
  assert.equal(stringFlag(flags, "image"), "x");
  assert.deepEqual(listFlag(flags, "env"), ["A=1"]);
  assert.deepEqual(flags.positionals, ["sh", "-c", "--json"]);
  assert.equal(flags.values.json, undefined);
});

Deno.test("parseFlags() treats -- as the end of flags", () => {
  const flags = parseFlags("run", ["--json", "--", "--image"], spec, { stopAtPositional: true });
  assert.equal(flags.values.json, true);
  assert.deepEqual(flags.positionals, ["--image"]);
});

Deno.test("parseFlags() rejects positionals when the command takes none", () => {
  assert.throws(
    () => parseFlags("doctor", ["extra"], spec, { allowPositionals: false }),
    /Unexpected argument: "extra"/,
  );
});
