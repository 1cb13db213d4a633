import assert from "node:assert/strict";
import { encodeLandlockRules, parseLandlockRules } from "./rules_file.ts";

Deno.test("encodeLandlockRules() writes the header, handle line and one line per rule", () => {
  const text = encodeLandlockRules({
    handle: ["exec", "read", "write"],
    rules: [
      { path: "/workspace", access: ["write", "read"] },
      { path: "/usr", access: ["exec", "read"] },
      { path: '/data/with space/it\'s "q"', access: ["read"] },
    ],
  });
  assert.equal(
    text,
    'leash-landlock 1\nhandle rwx\nrw /workspace\nrx /usr\nr /data/with space/it\'s "q"\n',
  );
});

Deno.test("encodeLandlockRules() output parses back to the same ruleset", () => {
  const ruleset = {
    handle: ["read", "write"] as const,
    rules: [{ path: "/a b ", access: ["read"] as const }, {
      path: "/",
      access: ["write"] as const,
    }],
  };
  const parsed = parseLandlockRules(encodeLandlockRules({
    handle: [...ruleset.handle],
    rules: ruleset.rules.map((r) => ({ path: r.path, access: [...r.access] })),
  }));
  assert.deepEqual(parsed, {
    handle: ["read", "write"],
    rules: [{ path: "/a b ", access: ["read"] }, { path: "/", access: ["write"] }],
  });
});

Deno.test("encodeLandlockRules() refuses what leash-entry could not apply", () => {
  assert.throws(() => encodeLandlockRules({ handle: [], rules: [] }), /names no access class/);
  assert.throws(
    () => encodeLandlockRules({ handle: ["read", "read"], rules: [] }),
    /repeated/,
  );
  assert.throws(
    () => encodeLandlockRules({ handle: ["read"], rules: [{ path: "/x", access: ["write"] }] }),
    /allows "w", which the ruleset does not handle/,
  );
  assert.throws(
    () => encodeLandlockRules({ handle: ["read"], rules: [{ path: "x", access: ["read"] }] }),
    /must be absolute/,
  );
  assert.throws(
    () => encodeLandlockRules({ handle: ["read"], rules: [{ path: "/a\nb", access: ["read"] }] }),
    /newline or NUL/,
  );
  assert.throws(
    () => encodeLandlockRules({ handle: ["read"], rules: [{ path: "/a", access: [] }] }),
    RangeError,
  );
});

Deno.test("parseLandlockRules() names the line of each mistake", () => {
  assert.throws(() => parseLandlockRules("leash-landlock 2\n"), /line 1: expected the header/);
  assert.throws(() => parseLandlockRules("leash-landlock 1\nr /x\n"), /line 2: a rule before/);
  assert.throws(
    () => parseLandlockRules("leash-landlock 1\nhandle r\nr /x\nhandle w\n"),
    /line 4: "handle" given twice/,
  );
  assert.throws(
    () => parseLandlockRules("leash-landlock 1\nhandle r\nrr /x\n"),
    /line 3: the classes must be a set/,
  );
  assert.throws(() => parseLandlockRules("leash-landlock 1\nhandle q\n"), /line 2: "handle" needs/);
  assert.throws(() => parseLandlockRules("# only\n"), /empty/);
  assert.throws(() => parseLandlockRules("leash-landlock 1\n"), /no "handle" line/);
});

Deno.test("parseLandlockRules() skips comments and empty lines", () => {
  assert.deepEqual(parseLandlockRules("# c\n\nleash-landlock 1\n# c\nhandle x\n\nx /bin\n"), {
    handle: ["exec"],
    rules: [{ path: "/bin", access: ["exec"] }],
  });
});
