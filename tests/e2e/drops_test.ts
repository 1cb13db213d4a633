/**
 * No silent event loss (issue 9, class 6), in a real session: the command opens a path the
 * policy denies 200,000 times as fast as node can, so events pile up at every stage between
 * the kernel and events.ndjson, which is capped small so that it rotates. Every one of those
 * opens must either be in the events log or be counted as lost (kernel ring buffer, manager
 * queue, writer, UI, rotated away), and `leash run`'s summary must say so.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureDebianImage } from "../fixtures/debian_image.ts";
import { note } from "../kernel/note.ts";
import { debianSandbox, leashSh } from "./_debian.ts";
import { assertNoContainers, sessionDir, setup } from "./_session.ts";

const { docker, image } = await setup(ensureDebianImage);
globalThis.addEventListener("unload", () => docker.close());

const OPENS = 200_000;

/** Opens /srv (outside every directory the built-in policy grants: Landlock refuses) N times. */
const FLOOD = `const fs = require("fs");
let refused = 0;
for (let i = 0; i < ${OPENS}; i++) {
  try { fs.closeSync(fs.openSync("/srv", "r")); } catch (e) { if (e.code === "EACCES") refused++; }
}
console.log("refused " + refused);`;

Deno.test("drops: 200,000 denied opens are each in events.ndjson (rotated at 2 MiB) or counted as lost, and the summary says how many", async () => {
  const w = await debianSandbox({ image, names: [], netRules: "" });
  try {
    const r = await leashSh(w, `node -e "$1"`, {
      args: [FLOOD],
      env: { LEASH_EVENTS_MAX_MB: "2", LEASH_EVENTS_FILES: "3" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `refused ${OPENS}`);
    const logs = join(sessionDir(w.box, r.session), "logs");
    const files = [...Deno.readDirSync(logs)].map((e) => e.name).filter((n) =>
      n.startsWith("events.ndjson")
    ).sort();
    assert.deepEqual(files, ["events.ndjson", "events.ndjson.1", "events.ndjson.2"]);
    let recorded = 0;
    let last: Record<string, unknown> | undefined;
    for (const name of files) {
      const path = join(logs, name);
      assert.ok(Deno.statSync(path).size <= 2 * 1024 * 1024, `${name} is within the cap`);
      for (const line of Deno.readTextFileSync(path).split("\n")) {
        if (line === "") continue;
        const e = JSON.parse(line);
        if (e.event === "file.open" && e.path === "/srv" && e.decision === "deny") recorded++;
        if (e.event === "session.drops") last = e;
      }
    }
    assert.ok(last, "the log ends with the session's drops line");
    const lost = Number(last.lost);
    assert.equal(
      lost,
      Number(last.kernel) + Number(last.manager) + Number(last.writer) + Number(last.ui) +
        Number(last.rotated),
    );
    assert.ok(Number(last.rotated) > 0, "the cap made the log rotate, and that was counted");
    // Every refused open is on disk or counted; nothing is counted that did not happen.
    assert.ok(recorded <= OPENS);
    assert.ok(recorded + lost >= OPENS, `recorded ${recorded} + lost ${lost} < ${OPENS}`);
    const summary =
      /leash: events: (\d+) recorded in .*events\.ndjson; (\d+) LOST \(drops: kernel ring buffer (\d+), manager queue (\d+), event writer (\d+), UI clients (\d+), rotated away (\d+); relay errors coalesced (\d+)\)/
        .exec(r.stderr);
    assert.ok(summary, `summary line on stderr:\n${r.stderr}`);
    note(`${summary[0]}; /srv denials on disk ${recorded}`);
    assert.equal(Number(summary[2]), lost);
    assert.equal(Number(summary[3]), last.kernel);
    assert.equal(Number(summary[4]), last.manager);
    assert.equal(Number(summary[7]), last.rotated);
    await assertNoContainers(docker, r.session);
  } finally {
    await w.box[Symbol.asyncDispose]();
  }
});
