/**
 * `leash clean` against the real dockerd: a manager image of another build that containers of
 * sessions this clean does not own still use is kept (not a failure); once unused, it goes. The
 * archive transport's containers and volumes of a dead session go; another state dir's stay.
 */
import assert from "node:assert/strict";
import { DockerClient } from "../../src/docker/mod.ts";
import { createTar } from "../../src/docker/tar.ts";
import { MANAGER_LABEL } from "../../src/manager/image.ts";
import { cleanSessions } from "../../src/session/clean.ts";
import { leashDirs } from "../../src/session/paths.ts";
import { DockerCleanup, TEST_LABELS, uniqueName } from "../fixtures/docker.ts";
import { ensureBusyboxImage } from "../fixtures/busybox_image.ts";

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

Deno.test("leash clean removes the archive transport's bridge container and volumes of a dead session, not another state dir's", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const state = await Deno.makeTempDir({ prefix: "leash-clean-" });
  const dead = `clean${crypto.randomUUID().slice(0, 8)}`;
  const other = `other${crypto.randomUUID().slice(0, 8)}`;
  const made: string[] = [];
  try {
    // The dead session's dir exists without a live owner (its leash was killed).
    await Deno.mkdir(`${state}/leash/sessions/${dead}`, { recursive: true });
    const image = await ensureBusyboxImage(docker);
    const bridge = cleanup.container(
      (await docker.containers.create({
        Image: image,
        Labels: { ...TEST_LABELS, "leash.session": dead, "leash.role": "bridge" },
      }, { name: `leash-${dead}-bridge` })).Id,
    );
    for (const session of [dead, other]) {
      made.push(await docker.volumes.create(`leash-${session}-sock`, { "leash.session": session }));
    }
    const env: Record<string, string> = {
      HOME: state,
      XDG_STATE_HOME: state,
      XDG_RUNTIME_DIR: state,
    };
    const report = await cleanSessions(docker, leashDirs((name) => env[name], 0));
    assert.deepEqual(report.failures, []);
    assert.deepEqual(report.containers, [`leash-${dead}-bridge`]);
    assert.deepEqual(report.volumes, [`leash-${dead}-sock`]);
    await assert.rejects(docker.containers.inspect(bridge));
    const left = (await docker.volumes.list(["leash.session"])).map((v) => v.Name);
    assert.ok(!left.includes(`leash-${dead}-sock`), JSON.stringify(left));
    assert.ok(left.includes(`leash-${other}-sock`), "another state dir's session keeps its volume");
  } finally {
    for (const name of made) await docker.volumes.remove(name, { force: true }).catch(() => {});
    await Deno.remove(state, { recursive: true });
  }
});
