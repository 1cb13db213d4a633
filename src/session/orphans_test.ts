import assert from "node:assert/strict";
import { join } from "node:path";
import { isOrphanSession } from "./orphans.ts";
import { writeOwner } from "./owner.ts";

Deno.test("isOrphanSession() is true only for a session dir of this state dir with a dead owner", async () => {
  const state = await Deno.makeTempDir();
  try {
    const dead = join(state, "sessions", "dead");
    const live = join(state, "sessions", "live");
    await Deno.mkdir(dead, { recursive: true });
    await Deno.mkdir(live, { recursive: true });
    await Deno.writeTextFile(join(dead, "pid"), "999999999 1\n");
    await writeOwner(live);
    assert.equal(await isOrphanSession(state, "dead"), true);
    assert.equal(await isOrphanSession(state, "live"), false);
    // Another state dir's session (another user, another XDG_STATE_HOME) may be running.
    assert.equal(await isOrphanSession(state, "elsewhere"), false);
    assert.equal(await isOrphanSession(state, ""), false);
    assert.equal(await isOrphanSession(state, "../sessions/dead"), false);
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});
