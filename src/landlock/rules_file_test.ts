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
    'leash-landlock 2\nhandle rwx\nrw /workspace\nrx /usr\nr /data/with space/it\'s "q"\n',
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
  assert.throws(() => parseLandlockRules("leash-landlock 1\n"), /line 1: expected the header/);
  assert.throws(() => parseLandlockRules("leash-landlock 2\nr /x\n"), /line 2: a rule before/);
  assert.throws(
    () => parseLandlockRules("leash-landlock 2\nhandle r\nr /x\nhandle w\n"),
    /line 4: "handle" given twice/,
  );
  assert.throws(
    () => parseLandlockRules("leash-landlock 2\nhandle r\nrr /x\n"),
    /line 3: the classes must be a set/,
  );
  assert.throws(() => parseLandlockRules("leash-landlock 2\nhandle q\n"), /line 2: "handle" needs/);
  assert.throws(() => parseLandlockRules("# only\n"), /empty/);
  assert.throws(() => parseLandlockRules("leash-landlock 2\n"), /no "handle" line/);
});

Deno.test("parseLandlockRules() skips comments and empty lines", () => {
  assert.deepEqual(parseLandlockRules("# c\n\nleash-landlock 2\n# c\nhandle x\n\nx /bin\n"), {
    handle: ["exec"],
    rules: [{ path: "/bin", access: ["exec"] }],
  });
});

Deno.test("encodeLandlockRules() writes each-entry rules with their except names, and parses them back", () => {
  const ruleset = {
    handle: ["read", "write"] as ("read" | "write")[],
    rules: [{ path: "/root", access: ["read"] as ("read" | "write")[] }],
    each: [{ path: "/root", access: ["write"] as ("read" | "write")[], except: [".ssh", "a b"] }],
  };
  const text = encodeLandlockRules(ruleset);
  assert.equal(
    text,
    "leash-landlock 2\nhandle rw\nr /root\neach w /root\nexcept .ssh\nexcept a b\n",
  );
  assert.deepEqual(parseLandlockRules(text), ruleset);
  assert.throws(
    () =>
      encodeLandlockRules({
        handle: ["write"],
        rules: [],
        each: [{ path: "/r", access: ["write"], except: ["x/y"] }],
      }),
    /bad except name "x\/y"/,
  );
  assert.throws(
    () => parseLandlockRules("leash-landlock 2\nhandle w\nw /r\nexcept x\n"),
    /line 4: "except" must follow an "each" rule/,
  );
});
