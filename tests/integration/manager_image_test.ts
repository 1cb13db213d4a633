import assert from "node:assert/strict";
import { collectOutput, DockerClient } from "../../src/docker/mod.ts";
import { ensureManagerImage, MANAGER_LABEL, managerImageContext } from "../../src/manager/image.ts";

Deno.test("ensureManagerImage() builds FROM scratch once per asset hash and reuses it", async () => {
  using docker = await DockerClient.connect();
  const context = await managerImageContext();
  assert.match(context.tag, /^leash-manager:[0-9a-f]{16}$/);
  const first = await ensureManagerImage(docker);
  assert.equal(first.tag, context.tag);
  const second = await ensureManagerImage(docker);
  assert.deepEqual(second, { tag: context.tag, built: false });
  const image = await docker.images.inspect(context.tag);
  assert.equal(image.Config?.Labels?.[MANAGER_LABEL], context.hash);
});

Deno.test("the manager image runs the embedded static leash-helper", async () => {
  using docker = await DockerClient.connect();
  const { tag } = await ensureManagerImage(docker);
  const { Id } = await docker.containers.create({
    Image: tag,
    Entrypoint: ["/leash-helper"],
    Cmd: [],
    Labels: { "leash.test": "1" },
    HostConfig: { NetworkMode: "none" },
  });
  try {
    await docker.containers.start(Id);
    const { StatusCode } = await docker.containers.wait(Id);
    const output = await collectOutput(
      await docker.containers.logs(Id, { stdout: true, stderr: true }),
    );
    assert.equal(StatusCode, 2, `exit ${StatusCode}: ${output.stderr}`);
    assert.match(output.stderr, /usage: leash-helper/);
  } finally {
    await docker.containers.remove(Id, { force: true });
  }
});
