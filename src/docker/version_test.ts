import assert from "node:assert/strict";
import {
  compareApiVersions,
  MAX_API_VERSION,
  MIN_API_VERSION,
  needsEngineMinimum,
  negotiateApiVersion,
} from "./version.ts";

Deno.test("compareApiVersions() compares minor versions numerically", () => {
  assert.ok(compareApiVersions("1.9", "1.41") < 0);
  assert.ok(compareApiVersions("1.41", "1.41") === 0);
  assert.ok(compareApiVersions("1.47", "1.41") > 0);
  assert.ok(compareApiVersions("2.0", "1.99") > 0);
  assert.throws(() => compareApiVersions("v1.41", "1.41"), SyntaxError);
});

Deno.test("negotiateApiVersion() uses the engine's version when it is within ours", () => {
  assert.equal(negotiateApiVersion({ max: "1.41" }), "1.41");
  assert.equal(negotiateApiVersion({ max: "1.44", min: "1.12" }), "1.44");
  assert.equal(negotiateApiVersion({ max: MAX_API_VERSION }), MAX_API_VERSION);
});

Deno.test("negotiateApiVersion() caps newer engines at the newest version we speak", () => {
  assert.equal(negotiateApiVersion({ max: "1.52", min: "1.24" }), MAX_API_VERSION);
  assert.equal(negotiateApiVersion({ max: "1.52" }), MAX_API_VERSION);
  assert.equal(negotiateApiVersion({ max: "1.45" }, { max: "1.43" }), "1.43");
});

Deno.test("negotiateApiVersion() refuses an engine older than 1.41 and names the fix", () => {
  assert.throws(
    () => negotiateApiVersion({ max: "1.40" }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message ===
        `Docker engine API 1.40 is older than ${MIN_API_VERSION}, the oldest leash supports: upgrade Docker Engine to 20.10 or newer`,
  );
});

Deno.test("negotiateApiVersion() refuses an engine whose minimum is above our maximum", () => {
  assert.throws(
    () => negotiateApiVersion({ max: "1.60", min: "1.50" }),
    /Docker engine API 1\.50\.\.1\.60 does not include 1\.47, the newest leash supports: upgrade leash/,
  );
});

Deno.test("needsEngineMinimum() asks for /version only when the engine is newer than us", () => {
  assert.equal(needsEngineMinimum("1.41"), false);
  assert.equal(needsEngineMinimum(MAX_API_VERSION), false);
  assert.equal(needsEngineMinimum("1.52"), true);
});
