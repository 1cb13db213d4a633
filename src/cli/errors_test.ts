import assert from "node:assert/strict";
import { formatError } from "./errors.ts";

Deno.test("formatError() prints the message and the numbered Caused by chain", () => {
  const root = new Error("connect ENOENT /var/run/docker.sock");
  const middle = new Error("Docker API GET /_ping failed", { cause: root });
  const top = new Error('Cannot connect to Docker socket "/var/run/docker.sock"', {
    cause: middle,
  });
  assert.equal(
    formatError(top),
    [
      'error: Cannot connect to Docker socket "/var/run/docker.sock"',
      "",
      "Caused by:",
      "    0: Docker API GET /_ping failed",
      "    1: connect ENOENT /var/run/docker.sock",
    ].join("\n"),
  );
});

Deno.test("formatError() prints no stack unless debugging", () => {
  const error = new Error("boom");
  assert.equal(formatError(error), "error: boom");
  assert.match(formatError(error, true), /at .*errors_test\.ts/);
});

Deno.test("formatError() survives non-Error values and cause cycles", () => {
  assert.equal(formatError("plain"), "error: plain");
  const a = new Error("a");
  const b = new Error("b", { cause: a });
  (a as { cause?: unknown }).cause = b;
  assert.equal(formatError(a), "error: a\n\nCaused by:\n    0: b");
});
