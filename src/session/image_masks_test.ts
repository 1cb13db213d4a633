import assert from "node:assert/strict";
import { compilePolicy } from "../policy/mod.ts";
import { decideImageMasks, type ImageKind, maskCandidates } from "./image_masks.ts";

const IMAGE: Record<string, ImageKind> = {
  "/root": "dir",
  "/root/.ssh": "dir",
  "/root/.netrc": "file",
  "/root/.config": "dir",
  "/root/link": "symlink",
  "/home": "dir",
  "/home/agent": "dir",
  "/etc": "dir",
  "/etc/shadow": "file",
};

const HOME = `
@id("home") permit (principal, action == Action::"FileOpen", resource in Dir::"/root/");
@id("etc") permit (principal, action == Action::"FileOpenReadOnly", resource in Dir::"/etc/");
`;

async function decide(policy: string, binds: string[] = ["/work"]) {
  const looked: string[] = [];
  const masks = await decideImageMasks({
    ir: compilePolicy(HOME + policy).ir,
    bindTargets: binds,
    imageKind: (path) => {
      looked.push(path);
      return Promise.resolve(IMAGE[path] ?? "missing");
    },
  });
  return { ...masks, looked };
}

const forbid = (id: string, resource: string, action = "FileOpen") =>
  `@id("${id}") forbid (principal, action == Action::"${action}", resource in ${resource});\n`;

Deno.test("decideImageMasks() hides a forbidden dir under a granted home with a read-only tmpfs, a file with /dev/null", async () => {
  const m = await decide(
    forbid("ssh", 'Dir::"/root/.ssh/"') + forbid("netrc", 'File::"/root/.netrc"') +
      forbid("shadow", 'File::"/etc/shadow"'),
  );
  assert.deepEqual(m.masked, ["/root/.ssh", "/etc/shadow", "/root/.netrc"]);
  assert.deepEqual(m.mounts, [
    {
      Type: "tmpfs",
      Target: "/root/.ssh",
      ReadOnly: true,
      TmpfsOptions: { SizeBytes: 4096, Mode: 0o555 },
    },
    { Type: "bind", Source: "/dev/null", Target: "/etc/shadow", ReadOnly: true },
    { Type: "bind", Source: "/dev/null", Target: "/root/.netrc", ReadOnly: true },
  ]);
  assert.deepEqual(m.warnings, []);
});

Deno.test("decideImageMasks() masks a forbidden path that does not exist yet when its parent does, by the rule's kind", async () => {
  const m = await decide(
    forbid("aws", 'Dir::"/root/.aws/"') + forbid("pgpass", 'File::"/root/.pgpass"') +
      forbid("deep", 'Dir::"/root/.gone/deeper/"'),
  );
  assert.deepEqual(m.mounts.map((x) => [x.Type, x.Target]), [
    ["tmpfs", "/root/.aws"],
    ["bind", "/root/.pgpass"],
  ]);
  // A missing parent would be created as root's by Docker: left to Landlock's enumeration.
  assert.ok(!m.masked.includes("/root/.gone/deeper"));
});

Deno.test("decideImageMasks() does not mask a forbid that is or lies beneath a symlink of the image, and says so", async () => {
  const m = await decide(forbid("l", 'Dir::"/root/link/"') + forbid("b", 'Dir::"/root/link/x/"'));
  assert.deepEqual(m.mounts, []);
  assert.equal(m.warnings.length, 1);
  assert.match(m.warnings[0]!, /Cannot mask forbidden "\/root\/link": "\/root\/link" is a symlink/);
  const n = await decide(forbid("b", 'Dir::"/root/link/x/"'));
  assert.deepEqual(n.mounts, []);
  assert.match(n.warnings[0]!, /"\/root\/link\/x": "\/root\/link" is a symlink in the image/);
});

Deno.test("maskCandidates() leaves out binds, kernel trees, write-only forbids and forbids nothing grants around", () => {
  const ir = compilePolicy(
    HOME +
      forbid("ws", 'Dir::"/work/secret/"') +
      forbid("proc", 'Dir::"/proc/1/"') +
      forbid("wo", 'File::"/root/.bashrc"', "FileOpenReadWrite") +
      forbid("outside", 'Dir::"/srv/keys/"') +
      forbid("outer", 'Dir::"/root/.config/"') +
      forbid("inner", 'Dir::"/root/.config/gh/"'),
  ).ir;
  const paths = maskCandidates(ir, ["/work"]).map((e) => e.path);
  assert.deepEqual(paths, ["/root/.config/"]);
});

Deno.test("decideImageMasks() looks nothing up when no forbid lies inside a grant (no probe container)", async () => {
  const m = await decide(forbid("keys", 'Dir::"/srv/keys/"'));
  assert.deepEqual(m.looked, []);
  assert.deepEqual(m.mounts, []);
});

Deno.test("decideImageMasks() reports a path the engine cannot stat instead of skipping it silently", async () => {
  const m = await decideImageMasks({
    ir: compilePolicy(HOME + forbid("ssh", 'Dir::"/root/.ssh/"')).ir,
    bindTargets: [],
    imageKind: () => Promise.reject(new Error("engine said 500")),
  });
  assert.deepEqual(m.mounts, []);
  assert.deepEqual(m.warnings, ['Cannot mask forbidden "/root/.ssh": engine said 500']);
});
