import assert from "node:assert/strict";
import { parseBuildInfo } from "./build_info.ts";

Deno.test("parseBuildInfo() reads kind, target and npm hashes", () => {
  const info = parseBuildInfo(
    '{"kind":"self-extracting","target":"linux-x86_64","npm":[{"name":"a@1.0.0","sha256":"ab"}]}',
  );
  assert.deepEqual(info, {
    kind: "self-extracting",
    target: "linux-x86_64",
    npm: [{ name: "a@1.0.0", sha256: "ab" }],
  });
});

Deno.test("parseBuildInfo() names the field that is wrong", () => {
  assert.throws(
    () => parseBuildInfo('{"kind":"zip","target":"x","npm":[]}'),
    /unknown "kind" "zip"/,
  );
  assert.throws(() => parseBuildInfo('{"kind":"compiled","npm":[]}'), /"target" is missing/);
  assert.throws(
    () => parseBuildInfo('{"kind":"compiled","target":"x","npm":[{"name":"a"}]}'),
    /npm\[0\] needs "name" and "sha256"/,
  );
});
