import assert from "node:assert/strict";
import { MarkerNonceError, MarkerVersionError } from "./errors.ts";
import {
  encodeEnforcementActive,
  parseBootstrapReady,
  parseCgroupPath,
  parseEntryReady,
  STALE_MARKERS,
} from "./markers.ts";

Deno.test("parseEntryReady() returns the fields of a valid marker", () => {
  assert.deepEqual(parseEntryReady('{"protocol":1,"pid":1,"version":"0.1.0"}\n'), {
    protocol: 1,
    pid: 1,
    version: "0.1.0",
  });
});

Deno.test("parseEntryReady() reports a version mismatch when protocol is missing or different", () => {
  assert.throws(
    () => parseEntryReady('{"pid":1,"version":"0.0.1"}'),
    (error: unknown) =>
      error instanceof MarkerVersionError && /no protocol.*upgrade both halves/.test(error.message),
  );
  assert.throws(() => parseEntryReady('{"protocol":2,"pid":1,"version":"9"}'), MarkerVersionError);
  assert.throws(
    () => parseEntryReady('{"protocol":"1","pid":1,"version":"9"}'),
    MarkerVersionError,
  );
});

Deno.test("parseEntryReady() rejects non-JSON, non-objects and bad fields", () => {
  assert.throws(() => parseEntryReady('{"protocol":1,'), SyntaxError);
  assert.throws(() => parseEntryReady("[1]"), SyntaxError);
  assert.throws(() => parseEntryReady('{"protocol":1,"pid":0,"version":"x"}'), /"pid"/);
  assert.throws(() => parseEntryReady('{"protocol":1,"pid":1.5,"version":"x"}'), TypeError);
  assert.throws(() => parseEntryReady('{"protocol":1,"pid":1}'), /"version" is not a string/);
});

const BOOTSTRAP =
  '{"protocol":1,"pid":1,"hostname":"abc","timestamp":"2025-01-02T03:04:05.678Z","nonce":"n-1"}';

Deno.test("parseBootstrapReady() accepts the marker with the session's nonce", () => {
  const marker = parseBootstrapReady(BOOTSTRAP, "n-1");
  assert.equal(marker.hostname, "abc");
  assert.equal(marker.nonce, "n-1");
  assert.equal(marker.timestamp, "2025-01-02T03:04:05.678Z");
});

Deno.test("parseBootstrapReady() throws MarkerNonceError for another session's nonce", () => {
  assert.throws(() => parseBootstrapReady(BOOTSTRAP, "n-2"), MarkerNonceError);
});

Deno.test("parseBootstrapReady() rejects a timestamp that is not a time", () => {
  const bad = BOOTSTRAP.replace("2025-01-02T03:04:05.678Z", "yesterday");
  assert.throws(() => parseBootstrapReady(bad, "n-1"), /"yesterday" is not an RFC 3339 time/);
});

Deno.test("parseCgroupPath() returns the path, null when empty, and rejects relative paths", () => {
  assert.equal(parseCgroupPath("/docker/abc\n"), "/docker/abc");
  assert.equal(parseCgroupPath("/"), "/");
  assert.equal(parseCgroupPath(""), null);
  assert.throws(() => parseCgroupPath("docker/abc\n"), TypeError);
  assert.throws(() => parseCgroupPath("/a\n/b\n"), TypeError);
});

Deno.test("encodeEnforcementActive() renders the contract's JSON on one line", () => {
  const text = encodeEnforcementActive("n-1", ["netns", "landlock"], {
    now: new Date("2025-01-02T03:04:05.678Z"),
  });
  assert.equal(
    text,
    '{"protocol":1,"nonce":"n-1","layers":["netns","landlock"],"timestamp":"2025-01-02T03:04:05.678Z"}\n',
  );
});

Deno.test("encodeEnforcementActive() refuses an empty nonce or layer", () => {
  assert.throws(() => encodeEnforcementActive("", ["netns"]), RangeError);
  assert.throws(() => encodeEnforcementActive("n", [""]), RangeError);
});

Deno.test("encodeEnforcementActive() carries the lifeline name when the host asks for one", () => {
  const text = encodeEnforcementActive("n-1", ["netns"], {
    now: new Date("2025-01-02T03:04:05.678Z"),
    lifeline: "leash-lifeline-00ff",
  });
  assert.equal(
    text,
    '{"protocol":1,"nonce":"n-1","layers":["netns"],"timestamp":"2025-01-02T03:04:05.678Z","lifeline":"leash-lifeline-00ff"}\n',
  );
  assert.throws(
    () => encodeEnforcementActive("n", ["netns"], { lifeline: "has space" }),
    /lifeline "has space" is not 1 to 100 characters/,
  );
  assert.throws(() => encodeEnforcementActive("n", ["netns"], { lifeline: "" }), RangeError);
});

Deno.test("STALE_MARKERS lists every marker file of the handshake", () => {
  assert.deepEqual([...STALE_MARKERS].sort(), [
    "bootstrap.ready",
    "cgroup-path",
    "enforcement.active",
    "landlock.rules",
    "leash-entry.ready",
  ]);
});

Deno.test("parseBootstrapReady() carries leash-entry's memfd guard when it reports one", () => {
  assert.equal(parseBootstrapReady(BOOTSTRAP, "n-1").memfdGuard, undefined);
  const text = BOOTSTRAP.replace('"nonce"', '"memfd_guard":"seccomp-noexec-seal","nonce"');
  assert.equal(parseBootstrapReady(text, "n-1").memfdGuard, "seccomp-noexec-seal");
});
