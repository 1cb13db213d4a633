import assert from "node:assert/strict";
import type { DockerClient } from "../docker/mod.ts";
import { targetPidOf, UNKNOWN_ENGINE } from "./engine_facts.ts";

/** A client whose inspect answers `pid` and counts the calls. */
function docker(pid: number) {
  const calls: string[] = [];
  const client = {
    containers: {
      inspect: (id: string) => {
        calls.push(id);
        return Promise.resolve({ State: { Pid: pid } });
      },
    },
  } as unknown as DockerClient;
  return { client, calls };
}

Deno.test("targetPidOf() asks the engine once for a local target's pid", async () => {
  const d = docker(4242);
  const pid = targetPidOf(d.client, UNKNOWN_ENGINE, "t1");
  assert.equal(await pid(), 4242);
  assert.equal(await pid(), 4242);
  assert.deepEqual(d.calls, ["t1"]);
});

Deno.test("targetPidOf() gives 0 on another kernel, whose pids name other processes here", async () => {
  const d = docker(1);
  const pid = targetPidOf(d.client, { ...UNKNOWN_ENGINE, remote: true }, "t1");
  assert.equal(await pid(), 0);
  assert.deepEqual(d.calls, []);
});
