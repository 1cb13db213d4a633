/**
 * `leash clean` against the real dockerd: a manager image of another build that containers of
 * sessions this clean does not own still use is kept (not a failure); once unused, it goes.
 */
import assert from "node:assert/strict";
import { DockerClient } from "../../src/docker/mod.ts";
import { createTar } from "../../src/docker/tar.ts";
import { MANAGER_LABEL } from "../../src/manager/image.ts";
import { cleanSessions } from "../../src/session/clean.ts";
import { leashDirs } from "../../src/session/paths.ts";
import { DockerCleanup, TEST_LABELS, uniqueName } from "../fixtures/docker.ts";

Deno.test("leash clean keeps an old manager image other sessions' containers use, removes it once unused", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const state = await Deno.makeTempDir({ prefix: "leash-clean-" });
  try {
    const tag = cleanup.image(`leash-manager:${uniqueName("old").slice("leash-test-".length)}`);
    const rootfs = createTar([{ path: "leash-helper", data: "not a real helper\n", mode: 0o755 }]);
    await docker.images.import(rootfs, tag, {
      changes: [`LABEL ${MANAGER_LABEL}=old-build`, 'CMD ["/leash-helper"]'],
    });
    // A container of a session in another state dir (another user, say): not ours to remove.
    const user = cleanup.container(
      (await docker.containers.create({ Image: tag, Labels: TEST_LABELS }, {
        name: uniqueName("clean-user"),
      })).Id,
    );
    const env: Record<string, string> = {
      HOME: state,
      XDG_STATE_HOME: state,
      XDG_RUNTIME_DIR: state,
    };
    const dirs = leashDirs((name) => env[name], 0);
    const first = await cleanSessions(docker, dirs);
    assert.deepEqual(first.failures, []);
    assert.ok(first.kept.includes(tag), JSON.stringify(first));
    await docker.images.inspect(tag);
    await docker.containers.remove(user, { force: true });
    const second = await cleanSessions(docker, dirs);
    assert.deepEqual(second.failures, []);
    assert.ok(second.images.includes(tag), JSON.stringify(second));
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});
