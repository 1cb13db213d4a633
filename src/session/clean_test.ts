import assert from "node:assert/strict";
import { MemoryFs } from "../fs/mod.ts";
import { removeDeadSessionDirs } from "./clean.ts";
import { isOrphanSession } from "./orphans.ts";

/** `/proc/PID/stat` of a process started at `start` (field 22). */
function procStat(pid: number, start: string): string {
  return `${pid} (leash) ${["S", ...Array(18).fill("0"), start].join(" ")}`;
}

/** Sessions a (owner alive), b (owner gone), c (pid reused by another process), each with a socket dir. */
function sessionsFs(): MemoryFs {
  return new MemoryFs({
    "/s/sessions/a/pid": "100 555\n",
    "/proc/100/stat": procStat(100, "555"),
    "/s/sessions/b/pid": "200 1\n",
    "/s/sessions/c/pid": "300 7\n",
    "/proc/300/stat": procStat(300, "999"),
    "/r/a/control.sock": "",
    "/r/b/control.sock": "",
    "/r/c/control.sock": "",
    "/r/notes.txt": "not a session",
  });
}

const DIRS = { state: "/s", data: "/d", runtime: "/r" };

Deno.test("removeDeadSessionDirs() removes the socket dirs of sessions whose leash is gone, keeps the live one's", async () => {
  const fs = sessionsFs();
  const report = { socketDirs: [] as string[], sessionDirs: [] as string[], failures: [] };
  await removeDeadSessionDirs(DIRS, report, { fs });
  assert.deepEqual(report.socketDirs.sort(), ["/r/b", "/r/c"]);
  assert.deepEqual(report.sessionDirs, []);
  assert.ok(fs.dirs.has("/r/a") && fs.files.has("/r/notes.txt"));
  assert.ok(!fs.dirs.has("/r/b") && !fs.files.has("/r/b/control.sock"));
  assert.ok(fs.dirs.has("/s/sessions/b"), "session dirs stay without --sessions");
});

Deno.test("removeDeadSessionDirs() with sessions also removes dead sessions' dirs, logs included", async () => {
  const fs = sessionsFs();
  fs.write("/s/sessions/b/logs/events.ndjson", "{}\n");
  const report = { socketDirs: [] as string[], sessionDirs: [] as string[], failures: [] };
  await removeDeadSessionDirs(DIRS, report, { fs, sessions: true });
  assert.deepEqual(report.sessionDirs.sort(), ["/s/sessions/b", "/s/sessions/c"]);
  assert.ok(fs.dirs.has("/s/sessions/a"));
  assert.ok(!fs.files.has("/s/sessions/b/logs/events.ndjson"));
});

Deno.test("isOrphanSession() is true only for this state dir's sessions whose owner is gone", async () => {
  const fs = sessionsFs();
  assert.equal(await isOrphanSession("/s", "a", fs), false);
  assert.equal(await isOrphanSession("/s", "b", fs), true);
  assert.equal(await isOrphanSession("/s", "c", fs), true);
  assert.equal(await isOrphanSession("/s", "elsewhere", fs), false);
  assert.equal(await isOrphanSession("/s", "../s/sessions/b", fs), false);
});
