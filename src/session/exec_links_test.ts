import assert from "node:assert/strict";
import { compilePolicy } from "../policy/mod.ts";
import { engineExecFs, type ExecFs, execLinkWarnings, resolveIn } from "./exec_links.ts";

/** Paths to a file (its link count), a directory, or a symlink's stored target. */
type Node = { file: number } | "dir" | { link: string };

function fakeFs(nodes: Record<string, Node>): ExecFs {
  return {
    lstat(path) {
      const node = path === "/" ? "dir" : nodes[path];
      if (node === undefined) return Promise.resolve(undefined);
      if (node === "dir") return Promise.resolve({ kind: "dir", nlink: 2 });
      if ("file" in node) return Promise.resolve({ kind: "file", nlink: node.file });
      return Promise.resolve({ kind: "symlink", nlink: 1 });
    },
    readLink(path) {
      const node = nodes[path];
      return Promise.resolve(typeof node === "object" && "link" in node ? node.link : undefined);
    },
  };
}

const BUSYBOX = fakeFs({
  "/bin": "dir",
  "/bin/busybox": { file: 1 },
  "/bin/wget": { link: "busybox" },
  "/bin/nc": { link: "/bin/busybox" },
  "/usr": "dir",
  "/usr/bin": "dir",
  "/usr/bin/curl": { file: 1 },
  "/usr/bin/ln-a": { file: 3 },
  "/sbin": { link: "bin" },
  "/loop": { link: "/loop" },
});

const BIN_EXEC = `@id("bin") permit (principal, action == Action::"ProcessExec", resource)
when { resource in [Dir::"/bin/", Dir::"/usr/bin/", Dir::"/sbin/"] };
`;

Deno.test("resolveIn() follows relative, absolute and directory symlinks; loops resolve to nothing", async () => {
  assert.equal(await resolveIn(BUSYBOX, "/bin/wget"), "/bin/busybox");
  assert.equal(await resolveIn(BUSYBOX, "/bin/nc"), "/bin/busybox");
  assert.equal(await resolveIn(BUSYBOX, "/sbin/wget"), "/bin/busybox");
  assert.equal(await resolveIn(BUSYBOX, "/usr/bin/curl"), "/usr/bin/curl");
  assert.equal(await resolveIn(BUSYBOX, "/usr/bin/absent"), undefined);
  assert.equal(await resolveIn(BUSYBOX, "/loop/x"), undefined);
});

Deno.test("execLinkWarnings() names the file a forbidden applet link resolves to", async () => {
  const { ir } = compilePolicy(
    BIN_EXEC + `
@id("no-wget") forbid (principal, action == Action::"ProcessExec", resource == File::"/bin/wget");
@id("no-sbin-nc") forbid (principal, action == Action::"ProcessExec", resource == File::"/sbin/nc");
`,
  );
  const warnings = await execLinkWarnings(ir, BUSYBOX);
  assert.equal(warnings.length, 2, warnings.join("\n"));
  assert.match(
    warnings[0]!,
    /^forbid "no-wget" on ProcessExec names "\/bin\/wget", which resolves to "\/bin\/busybox": exec runs "\/bin\/busybox", which the policy lets execute.*multi-call binary/,
  );
  assert.match(warnings[1]!, /"no-sbin-nc".*"\/sbin\/nc", which resolves to "\/bin\/busybox"/);
});

Deno.test("execLinkWarnings() is silent for forbids that hold: plain files, forbidden targets, absent paths", async () => {
  const { ir } = compilePolicy(
    BIN_EXEC + `
@id("no-curl") forbid (principal, action == Action::"ProcessExec", resource == File::"/usr/bin/curl");
@id("no-wget") forbid (principal, action == Action::"ProcessExec", resource == File::"/bin/wget");
@id("no-busybox") forbid (principal, action == Action::"ProcessExec", resource == File::"/bin/busybox");
@id("no-absent") forbid (principal, action == Action::"ProcessExec", resource == File::"/usr/bin/absent");
`,
  );
  assert.deepEqual(await execLinkWarnings(ir, BUSYBOX), []);
});

Deno.test("execLinkWarnings() warns about a forbidden file with several hard links", async () => {
  const { ir } = compilePolicy(
    BIN_EXEC + `
@id("no-ln") forbid (principal, action == Action::"ProcessExec", resource == File::"/usr/bin/ln-a");
`,
  );
  const warnings = await execLinkWarnings(ir, BUSYBOX);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /"\/usr\/bin\/ln-a", one of 3 hard links to the same file/);
});

Deno.test("engineExecFs() resolves applet links through the engine's path stat, as the host's view does", async () => {
  const stats: Record<string, { kind: "dir" | "file" | "symlink"; linkTarget: string }> = {
    "/bin": { kind: "dir", linkTarget: "" },
    "/bin/busybox": { kind: "file", linkTarget: "" },
    "/bin/wget": { kind: "symlink", linkTarget: "/bin/busybox" },
  };
  const fs = engineExecFs((path) => Promise.resolve(stats[path]));
  assert.equal(await resolveIn(fs, "/bin/wget"), "/bin/busybox");
  assert.equal(await fs.lstat("/missing"), undefined);
  const failing = engineExecFs(() => Promise.reject(new Error("engine gone")));
  assert.equal(await resolveIn(failing, "/bin/wget"), undefined);
});
