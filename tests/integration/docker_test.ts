/**
 * The Docker client against the real dockerd: every operation leash uses, on containers FROM
 * the busybox fixture image. Everything created is labelled `leash.test=1` and removed by
 * `DockerCleanup`, also when an assertion fails.
 */
import assert from "node:assert/strict";
import {
  collectOutput,
  type ContainerCreateConfig,
  createTar,
  DockerApiError,
  DockerBuildError,
  DockerClient,
  type OutputChunk,
  readTar,
} from "../../src/docker/mod.ts";
import { ensureBusyboxImage, HOST_BUSYBOX, TEST_LABELS } from "../fixtures/busybox_image.ts";
import { DockerCleanup, uniqueName } from "../fixtures/docker.ts";

/** Creates a container of the busybox image, without network, registered for cleanup. */
async function createContainer(
  docker: DockerClient,
  cleanup: DockerCleanup,
  config: Partial<ContainerCreateConfig>,
): Promise<string> {
  const { Id } = await docker.containers.create({
    Image: await ensureBusyboxImage(docker),
    ...config,
    Labels: { ...TEST_LABELS, ...config.Labels },
    HostConfig: { NetworkMode: "none", ...config.HostConfig },
  }, { name: uniqueName("c") });
  return cleanup.container(Id);
}

/** Reads output until `done` holds for the text so far; resolves to that text. */
async function readUntil(
  reader: ReadableStreamDefaultReader<OutputChunk>,
  done: (text: string) => boolean,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!done(text)) {
    const next = await reader.read();
    if (next.done) break;
    text += decoder.decode(next.value.data, { stream: true });
  }
  return text;
}

Deno.test("DockerClient answers ping, version and info from the real engine", async () => {
  using docker = await DockerClient.connect();
  assert.match(docker.apiVersion, /^1\.4[1-7]$/);
  const ping = await docker.ping();
  assert.equal(ping.osType, "linux");
  const version = await docker.version();
  assert.ok(version.Version.length > 0);
  assert.equal(version.ApiVersion, ping.apiVersion);
  assert.equal((await docker.info()).OSType, "linux");
});

Deno.test("ensureBusyboxImage() builds FROM scratch once and labels the image", async () => {
  using docker = await DockerClient.connect();
  const tag = await ensureBusyboxImage(docker);
  assert.match(tag, /^leash-test-busybox:[0-9a-f]{12}$/);
  assert.equal(await ensureBusyboxImage(docker), tag);
  const image = await docker.images.inspect(tag);
  assert.equal(image.Config.Labels?.["leash.test"], "1");
});

Deno.test("containers.logs() separates stdout from stderr of a finished container", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const id = await createContainer(docker, cleanup, {
    Cmd: ["sh", "-c", "echo out; echo err >&2; echo out2; exit 7"],
  });
  await docker.containers.start(id);
  assert.equal((await docker.containers.wait(id)).StatusCode, 7);
  assert.deepEqual(await collectOutput(await docker.containers.logs(id)), {
    stdout: "out\nout2\n",
    stderr: "err\n",
  });
  assert.deepEqual(await collectOutput(await docker.containers.logs(id, { stderr: false })), {
    stdout: "out\nout2\n",
    stderr: "",
  });
  const inspect = await docker.containers.inspect(id);
  assert.equal(inspect.State.Status, "exited");
  assert.equal(inspect.State.ExitCode, 7);
});

Deno.test("containers.logs() with follow stops cleanly when aborted", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const id = await createContainer(docker, cleanup, { Cmd: ["sh", "-c", "echo tick; sleep 60"] });
  await docker.containers.start(id);
  const controller = new AbortController();
  const logs = await docker.containers.logs(id, { follow: true, signal: controller.signal });
  const reader = logs.getReader();
  assert.equal(await readUntil(reader, (text) => text.includes("\n")), "tick\n");
  controller.abort();
  await assert.rejects(reader.read(), { name: "AbortError" });
});

Deno.test("containers.attach() without a TTY sends stdin and demultiplexes the output", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const id = await createContainer(docker, cleanup, {
    Cmd: ["sh", "-c", 'while read l; do echo "got $l"; echo "log $l" >&2; done; exit 5'],
    OpenStdin: true,
    StdinOnce: true,
  });
  using session = await docker.containers.attach(id);
  await docker.containers.start(id);
  await session.write("one\ntwo\n");
  await session.closeStdin();
  assert.deepEqual(await collectOutput(session.output), {
    stdout: "got one\ngot two\n",
    stderr: "log one\nlog two\n",
  });
  assert.equal((await docker.containers.wait(id)).StatusCode, 5);
});

Deno.test("containers.attach() with a TTY runs an interactive shell, resized, to its exit code", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const id = await createContainer(docker, cleanup, {
    Cmd: ["sh"],
    Tty: true,
    OpenStdin: true,
    StdinOnce: true,
    Env: ["PS1=$ "],
  });
  using session = await docker.containers.attach(id);
  const reader = session.output.getReader();
  await docker.containers.start(id);
  await docker.containers.resize(id, { rows: 31, columns: 97 });
  await session.write("stty size; echo hi\n");
  const sized = await readUntil(reader, (text) => /\r\nhi\r\n/.test(text));
  assert.match(sized, /\r\n31 97\r\nhi\r\n/);
  await session.write("exit 3\n");
  await readUntil(reader, () => false);
  assert.equal((await docker.containers.wait(id)).StatusCode, 3);
});

Deno.test("containers.putArchive() uploads files that the container and getArchive() read back", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const id = await createContainer(docker, cleanup, {
    Cmd: ["sh", "-c", "cat /tmp/upload/hello.txt; readlink /tmp/upload/link; ls -l /tmp/upload"],
  });
  const longName = "n".repeat(120) + ".txt";
  await docker.containers.putArchive(
    id,
    "/tmp",
    createTar([
      { path: "upload", type: "directory" },
      { path: "upload/hello.txt", data: "hello from the host\n", mode: 0o600 },
      { path: "upload/link", type: "symlink", linkTarget: "hello.txt" },
      { path: `upload/${longName}`, data: "long\n" },
    ]),
  );
  await docker.containers.start(id);
  assert.equal((await docker.containers.wait(id)).StatusCode, 0);
  const { stdout } = await collectOutput(await docker.containers.logs(id));
  assert.match(stdout, /^hello from the host\nhello\.txt\n/);
  assert.match(stdout, /-rw------- .* hello\.txt\n/);
  assert.ok(stdout.includes(longName), stdout);

  const entries = readTar(await docker.containers.getArchive(id, "/tmp/upload"));
  const byPath = new Map(entries.map((e) => [e.path, e]));
  assert.equal(
    new TextDecoder().decode(byPath.get("upload/hello.txt")?.data),
    "hello from the host\n",
  );
  assert.equal(byPath.get("upload/link")?.linkTarget, "hello.txt");
  assert.equal(new TextDecoder().decode(byPath.get(`upload/${longName}`)?.data), "long\n");
});

Deno.test("containers.stop() and kill() end running containers", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const stopped = await createContainer(docker, cleanup, { Cmd: ["sleep", "60"] });
  const killed = await createContainer(docker, cleanup, { Cmd: ["sleep", "60"] });
  await docker.containers.start(stopped);
  await docker.containers.start(killed);
  await docker.containers.start(killed); // already running: not an error
  await docker.containers.stop(stopped, { timeout: 0 });
  assert.equal((await docker.containers.inspect(stopped)).State.Running, false);
  await docker.containers.kill(killed, "SIGKILL");
  assert.equal((await docker.containers.wait(killed)).StatusCode, 137);
  await docker.containers.remove(killed);
  await assert.rejects(docker.containers.inspect(killed), { name: "DockerApiError", status: 404 });
});

Deno.test("networks.create() makes a labelled network that inspect() shows and remove() deletes", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const name = uniqueName("net");
  const { Id } = await docker.networks.create({ Name: name, Internal: true, Labels: TEST_LABELS });
  cleanup.network(Id);
  const network = await docker.networks.inspect(Id);
  assert.equal(network.Name, name);
  assert.equal(network.Internal, true);
  assert.deepEqual(network.Labels, TEST_LABELS);
  const duplicate = await docker.networks.create({ Name: name, Labels: TEST_LABELS }).catch((e) =>
    e
  );
  assert.ok(duplicate instanceof DockerApiError, String(duplicate));
  assert.equal(duplicate.status, 409);
  await docker.networks.remove(Id);
  await assert.rejects(docker.networks.inspect(Id), { name: "DockerApiError", status: 404 });
});

Deno.test("events() reports container events and stops when aborted", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const run = crypto.randomUUID();
  const controller = new AbortController();
  const events = await docker.events({
    filters: { type: ["container"], label: [`leash.test.run=${run}`] },
    signal: controller.signal,
  });
  const reader = events.getReader();
  const id = await createContainer(docker, cleanup, {
    Cmd: ["true"],
    Labels: { "leash.test.run": run },
  });
  const first = await reader.read();
  assert.equal(first.value?.Type, "container");
  assert.equal(first.value?.Action, "create");
  assert.equal(first.value?.Actor.ID, id);
  controller.abort();
  await assert.rejects(reader.read(), { name: "AbortError" });
});

Deno.test("inspecting a missing container rejects with DockerApiError 404", async () => {
  using docker = await DockerClient.connect();
  const name = uniqueName("missing");
  const error = await docker.containers.inspect(name).catch((e) => e);
  assert.ok(error instanceof DockerApiError, String(error));
  assert.equal(error.status, 404);
  assert.equal(error.method, "GET");
  assert.equal(error.path, `/containers/${name}/json`);
  assert.match(
    error.message,
    new RegExp(
      `^Docker API GET /containers/${name}/json failed \\(404\\): No such container: ${name}$`,
    ),
  );
});

Deno.test("images.build() names the failing step of a broken Dockerfile", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const intermediates: string[] = [];
  const context = createTar([
    {
      path: "Dockerfile",
      data:
        'FROM scratch\nLABEL leash.test=1\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","false"]\n',
    },
    { path: "busybox", data: await Deno.readFile(HOST_BUSYBOX), mode: 0o755 },
  ]);
  const error = await docker.images.build(context, {
    tag: uniqueName("broken"),
    onProgress: (message) => {
      for (const match of message.stream?.matchAll(/^ ---> ([0-9a-f]{12})$/gm) ?? []) {
        intermediates.push(cleanup.image(match[1]!));
      }
    },
  }).catch((e) => e);
  assert.ok(error instanceof DockerBuildError, String(error));
  assert.equal(error.step, 'Step 4/4 : RUN ["/bin/busybox","false"]');
  assert.match(error.engineMessage, /returned a non-zero code: 1/);
  assert.ok(intermediates.length >= 2, "the builder reported its intermediate images");
});

Deno.test("images.remove() deletes a built image", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const base = await ensureBusyboxImage(docker);
  const tag = cleanup.image(`${uniqueName("image")}:1`);
  const built = await docker.images.build(
    createTar([{ path: "Dockerfile", data: `FROM ${base}\nLABEL leash.test.extra=yes\n` }]),
    { tag, labels: TEST_LABELS },
  );
  assert.match(built.id, /^sha256:[0-9a-f]{64}$/);
  assert.equal((await docker.images.inspect(tag)).Id, built.id);
  const removed = await docker.images.remove(tag);
  assert.ok(removed.some((item) => item.Untagged === tag), JSON.stringify(removed));
  await assert.rejects(docker.images.inspect(tag), { name: "DockerApiError", status: 404 });
});

Deno.test("containers.statPath() tells a symlink (with its target), a file, a dir and a missing path", async () => {
  using docker = await DockerClient.connect();
  await using cleanup = new DockerCleanup(docker);
  const id = await createContainer(docker, cleanup, { Cmd: ["true"] });
  assert.deepEqual(await docker.containers.statPath(id, "/bin/cat"), {
    kind: "symlink",
    linkTarget: "/bin/busybox",
  });
  assert.deepEqual(await docker.containers.statPath(id, "/bin/busybox"), {
    kind: "file",
    linkTarget: "",
  });
  assert.equal((await docker.containers.statPath(id, "/bin"))?.kind, "dir");
  assert.equal(await docker.containers.statPath(id, "/no/such/path"), undefined);
});
