import assert from "node:assert/strict";
import { hiddenDirMasks, readOnlyMasks, trustedFileMasks } from "./masks.ts";

Deno.test("readOnlyMasks() masks the policy in the workspace at the same path, read-only", () => {
  assert.deepEqual(
    readOnlyMasks(["/home/u/proj/leash.cedar"], ["/home/u/proj:/home/u/proj"]),
    ["/home/u/proj/leash.cedar:/home/u/proj/leash.cedar:ro"],
  );
});

Deno.test("readOnlyMasks() follows a -v mount to its target and skips read-only mounts", () => {
  assert.deepEqual(
    readOnlyMasks(
      ["/home/u/.local/share/leash/trusted-policies", "/etc/p.cedar"],
      ["/home/u/proj:/home/u/proj", "/home/u:/h", "/etc:/host-etc:ro"],
    ),
    ["/home/u/.local/share/leash/trusted-policies:/h/.local/share/leash/trusted-policies:ro"],
  );
});

Deno.test("readOnlyMasks() leaves files no mount shows alone, and never matches a name prefix", () => {
  assert.deepEqual(readOnlyMasks(["/home/u/project2/leash.cedar"], ["/home/u/project:/w"]), []);
});

Deno.test("hiddenDirMasks() hides a dir under read-only and writable mounts alike, at its path inside", () => {
  assert.deepEqual(
    hiddenDirMasks(
      ["/home/u/.local/share/leash", "/run/user/1000/leash"],
      ["/home/u:/home/u", "/home:/h:ro", "/srv:/srv"],
      "/e",
    ),
    ["/e:/home/u/.local/share/leash:ro", "/e:/h/u/.local/share/leash:ro"],
  );
});

Deno.test("hiddenDirMasks() refuses a mount whose source is inside one of leash's dirs", () => {
  assert.throws(
    () =>
      hiddenDirMasks(["/home/u/.local/share/leash"], ["/home/u/.local/share/leash/ca:/x"], "/e"),
    (e: unknown) =>
      e instanceof TypeError &&
      /Cannot mount "\/home\/u\/\.local\/share\/leash\/ca"/.test(e.message),
  );
});

Deno.test("trustedFileMasks() creates the trust store, hides leash's dirs in a workspace holding them, keeps the policy readable", async () => {
  const home = await Deno.realPath(await Deno.makeTempDir({ prefix: "leash-home-" }));
  try {
    const dirs = {
      data: `${home}/.local/share/leash`,
      state: `${home}/.local/state/leash`,
      runtime: `${home}/run/leash`,
    };
    await Deno.mkdir(dirs.state, { recursive: true });
    await Deno.writeTextFile(`${home}/leash.cedar`, "");
    const masks = await trustedFileMasks({
      policyPath: `${home}/leash.cedar`,
      cwd: home,
      dirs,
      volumes: [],
      empty: "/e",
    });
    assert.deepEqual(masks, [
      `${home}/leash.cedar:${home}/leash.cedar:ro`,
      `/e:${dirs.data}:ro`,
      `/e:${dirs.state}:ro`,
    ]);
    assert.ok((await Deno.stat(`${dirs.data}/trusted-policies`)).isDirectory);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
