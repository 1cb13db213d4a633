import assert from "node:assert/strict";
import { compilePolicy } from "../policy/mod.ts";
import { type LandlockFs, landlockRuleset } from "./ruleset.ts";

/** A filesystem whose directories cannot be listed (a docker-group user's view of the image). */
function unlistableFs(listed: string[]): LandlockFs {
  return {
    readDir: (path) => {
      listed.push(path);
      return Promise.resolve(path === "/" ? ["root", "etc", "usr"] : undefined);
    },
    stat: () => Promise.resolve("dir"),
  };
}

const HOME_NO_SSH = `
permit (principal, action == Action::"FileOpen", resource in Dir::"/root/");
forbid (principal, action == Action::"FileOpen", resource in Dir::"/root/.ssh/");
`;

Deno.test("landlockRuleset() grants a home whole, listing nothing, when its forbidden ~/.ssh is masked", async () => {
  const listed: string[] = [];
  const { ir } = compilePolicy(HOME_NO_SSH);
  const { rules, warnings } = await landlockRuleset(ir, unlistableFs(listed), {
    masked: [{ path: "/root/.ssh", hidden: true }],
  });
  assert.deepEqual(rules, [{ path: "/root", access: ["read", "write"] }]);
  assert.deepEqual(warnings, []);
  assert.deepEqual(listed, []);
});

Deno.test("landlockRuleset() without the mask still carves ~/.ssh out by listing ~ (denied below when it cannot)", async () => {
  const listed: string[] = [];
  const { ir } = compilePolicy(HOME_NO_SSH);
  const { rules, warnings } = await landlockRuleset(ir, unlistableFs(listed));
  assert.deepEqual(rules, []);
  assert.deepEqual(listed, ["/root", "/root"]);
  assert.match(warnings.join("\n"), /Cannot enumerate "\/root" for read: unreadable/);
});

Deno.test("landlockRuleset() stops the write grant at a deeper mask's parent, so no ancestor of it can be renamed away", async () => {
  const listed: string[] = [];
  const { ir } = compilePolicy(`
    permit (principal, action == Action::"FileOpen", resource in Dir::"/root/");
    forbid (principal, action == Action::"FileOpen", resource in Dir::"/root/.config/gh/");
  `);
  const { rules, warnings } = await landlockRuleset(ir, unlistableFs(listed), {
    masked: [{ path: "/root/.config/gh", hidden: true }],
  });
  // Read needs no carving (nothing to read under the mask); write on /root would let
  // `mv ~/.config ~/c2; mkdir -p ~/.config/gh` make the forbidden path anew.
  assert.deepEqual(rules, [{ path: "/root", access: ["read"] }]);
  assert.deepEqual(listed, ["/root"]);
  assert.match(warnings.join("\n"), /Cannot enumerate "\/root" for write/);
});

Deno.test("landlockRuleset() with a listable home grants the mask's parent whole for write and its siblings one by one", async () => {
  const { ir } = compilePolicy(`
    permit (principal, action == Action::"FileOpen", resource in Dir::"/root/");
    forbid (principal, action == Action::"FileOpen", resource in Dir::"/root/.config/gh/");
  `);
  const fs: LandlockFs = {
    readDir: (path) =>
      Promise.resolve(path === "/root" ? [".config", ".bashrc"] : path === "/" ? ["root"] : []),
    stat: (path) => Promise.resolve(path === "/root/.bashrc" ? "file" : "dir"),
  };
  const { rules } = await landlockRuleset(ir, fs, {
    masked: [{ path: "/root/.config/gh", hidden: true }],
  });
  assert.deepEqual(rules, [
    { path: "/root", access: ["read"] },
    { path: "/root/.bashrc", access: ["write"] },
    { path: "/root/.config", access: ["write"] },
  ]);
});

Deno.test("landlockRuleset() never grants write on / whole around a masked /root/.ssh", async () => {
  const { ir } = compilePolicy(`
    permit (principal, action == Action::"FileOpen", resource in Dir::"/");
    forbid (principal, action == Action::"FileOpen", resource in Dir::"/root/.ssh/");
  `);
  const fs: LandlockFs = {
    readDir: (path) => Promise.resolve(path === "/" ? ["root", "etc"] : []),
    stat: () => Promise.resolve("dir"),
  };
  const { rules } = await landlockRuleset(ir, fs, {
    masked: [{ path: "/root/.ssh", hidden: true }],
  });
  assert.deepEqual(rules, [
    { path: "/", access: ["read"] },
    { path: "/etc", access: ["write"] },
    { path: "/root", access: ["write"] },
  ]);
});

Deno.test("landlockRuleset() lets a read-only mask stand in for a write carve-out only", async () => {
  const { ir } = compilePolicy(`
    permit (principal, action == Action::"FileOpen", resource in Dir::"/w/");
    forbid (principal, action == Action::"FileOpenReadWrite", resource in Dir::"/w/.git/");
    forbid (principal, action == Action::"FileOpen", resource in Dir::"/w/keys/");
  `);
  const listed: string[] = [];
  const { rules } = await landlockRuleset(ir, unlistableFs(listed), {
    masked: [{ path: "/w/.git", hidden: false }, { path: "/w/keys", hidden: true }],
  });
  assert.deepEqual(rules, [{ path: "/w", access: ["read", "write"] }]);
  const partial = await landlockRuleset(ir, unlistableFs([]), {
    masked: [{ path: "/w/.git", hidden: false }],
  });
  // /w/keys is not masked: read and write of /w still need a listing, which fails closed.
  assert.deepEqual(partial.rules, []);
});

Deno.test("landlockRuleset() with entryLists leaves a directory it cannot list to leash-entry, but the names beneath it", async () => {
  const listed: string[] = [];
  const { ir } = compilePolicy(`
    permit (principal, action == Action::"FileOpen", resource in Dir::"/root/");
    forbid (principal, action == Action::"FileOpen", resource in Dir::"/root/.config/gh/");
    permit (principal, action == Action::"ProcessExec", resource in Dir::"/bin/");
    forbid (principal, action == Action::"ProcessExec", resource == File::"/bin/cat");
  `);
  const { rules, each, warnings } = await landlockRuleset(ir, unlistableFs(listed), {
    masked: [{ path: "/root/.config/gh", hidden: true }],
    entryLists: true,
  });
  assert.deepEqual(rules, [
    { path: "/root", access: ["read"] },
    { path: "/root/.config", access: ["write"] },
  ]);
  assert.deepEqual(each, [
    { path: "/bin", access: ["exec"], except: ["cat"] },
    { path: "/root", access: ["write"], except: [".config"] },
  ]);
  assert.doesNotMatch(warnings.join("\n"), /Cannot enumerate/);
  assert.match(warnings.join("\n"), /cannot allow write on "\/root" itself/);
});
