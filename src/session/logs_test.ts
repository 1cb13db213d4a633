import assert from "node:assert/strict";
import { join } from "node:path";
import type { DockerClient } from "../docker/mod.ts";
import { Redactor } from "../events/mod.ts";
import { captureLogs } from "./logs.ts";

const SECRET = "sk-log-0123456789abcdef";

/** A Docker client whose logs() yields `chunks` as stdout frames. */
function fakeDocker(chunks: string[]): DockerClient {
  const enc = new TextEncoder();
  return {
    containers: {
      logs: () =>
        Promise.resolve(
          new ReadableStream({
            start(controller) {
              for (const c of chunks) controller.enqueue({ stream: "stdout", data: enc.encode(c) });
              controller.close();
            },
          }),
        ),
    },
  } as unknown as DockerClient;
}

Deno.test("captureLogs() masks secret values split across log chunks as «secret:NAME»", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const redactor = new Redactor();
    redactor.add("KEY", SECRET);
    const text = `curl said: {"authorization":"${SECRET}"}\nand again ${SECRET}`;
    for (let cut = 1; cut < text.length; cut += 7) {
      const path = join(dir, `target-${cut}.log`);
      const capture = captureLogs(
        fakeDocker([text.slice(0, cut), text.slice(cut)]),
        "id",
        path,
        redactor,
      );
      await capture.done;
      const written = await Deno.readTextFile(path);
      assert.ok(!written.includes(SECRET), `cut ${cut}: ${written}`);
      assert.equal(
        written,
        `curl said: {"authorization":"«secret:KEY»"}\nand again «secret:KEY»`,
      );
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
