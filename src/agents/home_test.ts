import assert from "node:assert/strict";
import { join } from "node:path";
import { agentHomeBinds, findLoginState, removeStaleCopies } from "./home.ts";
import { CLAUDE } from "./claude.ts";

async function fakeHome(): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "leash-home-" });
  await Deno.writeTextFile(join(home, ".claude.json"), '{"token":"t"}');
  await Deno.mkdir(join(home, ".claude"));
  await Deno.writeTextFile(join(home, ".claude", ".credentials.json"), "{}");
  return home;
}

Deno.test("findLoginState() lists the preset's files that exist, with the right kind", async () => {
  const home = await Deno.makeTempDir({ prefix: "leash-home-" });
  try {
    assert.deepEqual((await findLoginState(CLAUDE, home)).present, []);
    await Deno.mkdir(join(home, ".claude.json")); // a directory where a file is expected
    await Deno.writeTextFile(join(home, ".claude"), "x"); // and the other way round
    assert.deepEqual((await findLoginState(CLAUDE, home)).present, []);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
  const real = await fakeHome();
  try {
    assert.deepEqual((await findLoginState(CLAUDE, real)).present, [".claude.json", ".claude/"]);
  } finally {
    await Deno.remove(real, { recursive: true });
  }
});

Deno.test("agentHomeBinds() mounts the host's files, copies them privately, or brings nothing", async () => {
  const home = await fakeHome();
  const scratch = await Deno.makeTempDir({ prefix: "leash-scratch-" });
  try {
    const state = await findLoginState(CLAUDE, home);
    assert.deepEqual((await agentHomeBinds("none", state, scratch)).volumes, []);
    assert.deepEqual((await agentHomeBinds("mount", state, scratch)).volumes, [
      `${home}/.claude.json:/root/.claude.json`,
      `${home}/.claude:/root/.claude`,
    ]);
    const copy = await agentHomeBinds("copy", state, scratch);
    assert.equal(copy.volumes.length, 1);
    const [dir, target] = copy.volumes[0]!.split(":");
    assert.equal(target, "/root");
    assert.equal((await Deno.stat(dir!)).mode! & 0o777, 0o700);
    assert.equal(await Deno.readTextFile(join(dir!, ".claude.json")), '{"token":"t"}');
    await Deno.writeTextFile(join(dir!, ".claude.json"), "changed");
    assert.equal(await Deno.readTextFile(join(home, ".claude.json")), '{"token":"t"}');
    await copy.cleanup();
    await assert.rejects(Deno.stat(dir!), Deno.errors.NotFound);
  } finally {
    await Deno.remove(home, { recursive: true });
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test("removeStaleCopies() removes the copies of dead sessions and keeps live ones", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "leash-scratch-" });
  try {
    for (const name of ["home-100-aaaaaa", "home-200-bbbbbb", "other"]) {
      await Deno.mkdir(join(scratch, name));
      await Deno.writeTextFile(join(scratch, name, ".claude.json"), "token");
    }
    await removeStaleCopies(scratch, (pid) => pid === 200);
    const left = [];
    for await (const e of Deno.readDir(scratch)) left.push(e.name);
    assert.deepEqual(left.sort(), ["home-200-bbbbbb", "other"]);
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test({
  name: `agentHomeBinds() copy: a copy leash cannot remove (EACCES) is emptied by asRoot first${
    Deno.uid() === 0 ? " (as root nothing is unremovable: checks asRoot is not needed)" : ""
  }`,
  async fn() {
    const home = await fakeHome();
    const scratch = await Deno.makeTempDir({ prefix: "leash-scratch-" });
    try {
      const state = await findLoginState(CLAUDE, home);
      let calls = 0;
      const asRoot = {
        empty: async (dir: string) => {
          calls++;
          // What the removal container does for root-owned dirs: makes them removable by emptying.
          await Deno.chmod(join(dir, ".claude", "projects"), 0o700);
          await Deno.remove(join(dir, ".claude", "projects"), { recursive: true });
        },
        giveBack: () => Promise.reject(new Error("giveBack is for mount")),
      };
      const binds = await agentHomeBinds("copy", state, scratch, asRoot);
      const copy = binds.volumes[0]!.split(":")[0]!;
      // What the agent leaves: a dir whose entries its owner cannot unlink (no write bit).
      await Deno.mkdir(join(copy, ".claude", "projects"));
      await Deno.writeTextFile(join(copy, ".claude", "projects", "s.jsonl"), "{}");
      await Deno.chmod(join(copy, ".claude", "projects"), 0o500);
      await binds.cleanup();
      assert.deepEqual([...Deno.readDirSync(scratch)], [], "the copy is gone");
      assert.equal(calls, Deno.uid() === 0 ? 0 : 1);
    } finally {
      await Deno.remove(home, { recursive: true });
      await Deno.remove(scratch, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("agentHomeBinds() mount: the cleanup gives nothing back when root owns nothing there or leash is root", async () => {
  const home = await fakeHome();
  try {
    const state = await findLoginState(CLAUDE, home);
    const given: string[][] = [];
    const binds = await agentHomeBinds("mount", state, "/nonexistent", {
      empty: () => Promise.reject(new Error("empty is for copy")),
      giveBack: (paths) => {
        given.push(paths);
        return Promise.resolve();
      },
    });
    await binds.cleanup();
    // As root every file is root's, and the home is root's own: nothing to give back either.
    assert.deepEqual(given, []);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
