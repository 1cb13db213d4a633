import assert from "node:assert/strict";
import { compilePolicy } from "../policy/mod.ts";
import { type LandlockFs, landlockRuleset } from "./ruleset.ts";

/** An in-memory tree: directories are objects, files are null, symlinks are strings. */
type Tree = { [name: string]: Tree | null | string };

function fakeFs(root: Tree): LandlockFs {
  const find = (path: string): Tree | null | string | undefined => {
    let node: Tree | null | string | undefined = root;
    for (const part of path.split("/").filter(Boolean)) {
      if (node === null || typeof node !== "object") return undefined;
      node = node[part];
    }
    return node;
  };
  return {
    readDir: (path) => {
      const node = find(path);
      return Promise.resolve(node && typeof node === "object" ? Object.keys(node) : undefined);
    },
    stat: (path) => {
      const node = find(path);
      return Promise.resolve(
        node === undefined
          ? "missing"
          : node === null
          ? "file"
          : typeof node === "string"
          ? "symlink"
          : "dir",
      );
    },
    readLink: (path) => {
      const node = find(path);
      return Promise.resolve(typeof node === "string" ? node : undefined);
    },
  };
}

const TREE: Tree = {
  var: { app: { src: { "a.ts": null }, secrets: { key: null }, "README": null, link: "/etc" } },
  etc: { passwd: null },
  bin: { sh: null, rm: null },
};

Deno.test("landlockRuleset() carves a forbidden subtree out of a permitted one by enumerating siblings", async () => {
  const { ir } = compilePolicy(`
    permit (principal, action == Action::"FileOpen", resource in Dir::"/var/app/");
    forbid (principal, action == Action::"FileOpenReadWrite", resource in Dir::"/var/app/secrets/");
    permit (principal, action == Action::"ProcessExec", resource in Dir::"/bin/");
    forbid (principal, action == Action::"ProcessExec", resource == File::"/bin/rm");
  `);
  const { rules, warnings } = await landlockRuleset(ir, fakeFs(TREE));
  assert.deepEqual(rules, [
    { path: "/bin/sh", access: ["exec"] },
    { path: "/var/app", access: ["read"] },
    { path: "/var/app/README", access: ["write"] },
    { path: "/var/app/src", access: ["write"] },
  ]);
  assert.ok(warnings.some((w) => w.includes('"/var/app" itself')), warnings.join("\n"));
  assert.ok(
    warnings.some((w) => w.includes('"/var/app/link"') && w.includes("symlink")),
    warnings.join("\n"),
  );
  assert.ok(warnings.some((w) => w.includes('"/bin" itself')), warnings.join("\n"));
});

Deno.test("landlockRuleset() grants a uniform tree with one rule and skips missing paths", async () => {
  const { ir } = compilePolicy(`
    permit (principal, action == Action::"FileOpenReadOnly", resource in Dir::"/etc/");
    permit (principal, action == Action::"FileOpenReadOnly", resource in Dir::"/nonexistent/");
  `);
  const { rules, warnings } = await landlockRuleset(ir, fakeFs(TREE));
  assert.deepEqual(rules, [{ path: "/etc", access: ["read"] }]);
  assert.deepEqual(warnings, []);
});

Deno.test("landlockRuleset() denies what it cannot enumerate within its budget and says so", async () => {
  const { ir } = compilePolicy(`
    permit (principal, action == Action::"FileOpen", resource in Dir::"/var/");
    forbid (principal, action == Action::"FileOpen", resource in Dir::"/var/app/secrets/");
  `);
  const { rules, warnings } = await landlockRuleset(ir, fakeFs(TREE), { maxEntries: 1 });
  assert.deepEqual(rules, []);
  assert.ok(warnings.some((w) => w.includes("too many entries")), warnings.join("\n"));
});

Deno.test("landlockRuleset() warns about a skipped symlink only when its target is not granted", async () => {
  // Merged /usr: /bin is a link to usr/bin; the kernel resolves paths before Landlock sees them.
  const tree: Tree = { bin: "usr/bin", usr: { bin: { sh: null } }, opt: { tool: "/srv/tool" } };
  const both = compilePolicy(`
    permit (principal, action == Action::"ProcessExec", resource)
    when { resource in [Dir::"/bin/", Dir::"/usr/bin/"] };
  `);
  const covered = await landlockRuleset(both.ir, fakeFs(tree));
  assert.deepEqual(covered.rules, [{ path: "/usr/bin", access: ["exec"] }]);
  assert.deepEqual(covered.warnings, []);
  const linkOnly = compilePolicy(`
    permit (principal, action == Action::"ProcessExec", resource)
    when { resource in [Dir::"/bin/", Dir::"/opt/tool/"] };
  `);
  const lost = await landlockRuleset(linkOnly.ir, fakeFs(tree));
  assert.deepEqual(lost.warnings, [
    'Landlock rule for "/bin" (exec) skipped: it is a symlink to "/usr/bin" and would grant its target, which the policy does not',
    'Landlock rule for "/opt/tool" (exec) skipped: it is a symlink to "/srv/tool" and would grant its target, which the policy does not',
  ]);
});
