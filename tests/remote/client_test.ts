/**
 * leash's Docker client against a real remote engine (dockerd in a container, its own data
 * root), over tcp+TLS and over ssh: every call leash makes (version, images, create, start,
 * attach, logs, wait, remove, archive, build, events), judged by what the engine did (the
 * bytes a container echoed, files read back, a built image's output, events it emitted).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { collectOutput, createTar, type DockerClient, readTar } from "../../src/docker/mod.ts";
import { clientFor, MISSING, remoteEngine, stopRemoteEngine } from "./_shared.ts";

const WAYS = ["tcp+tls", "ssh"] as const;
const options = { ignore: MISSING !== undefined, sanitizeResources: false, sanitizeOps: false };

async function connect(way: typeof WAYS[number]): Promise<DockerClient> {
  const engine = await remoteEngine();
  return await clientFor(way === "ssh" ? engine.sshEnv : engine.tlsEnv);
}

for (const way of WAYS) {
  Deno.test({
    name: `DockerClient over ${way}: the engine's version, its profile (remote) and its own images`,
    ...options,
    async fn() {
      const engine = await remoteEngine();
      using docker = await connect(way);
      assert.equal((await docker.version()).ApiVersion, docker.apiVersion);
      const profile = await docker.profile();
      assert.equal(profile.kind, "remote");
      const port = new URL(way === "ssh" ? engine.sshHost : engine.tcpHost).port;
      assert.equal(
        profile.transport,
        way === "ssh" ? `ssh root@127.0.0.1:${port}` : `tcp+tls 127.0.0.1:${port}`,
      );
      // Its images are its own: what the fixture loaded, not the host's many.
      const tags = (await docker.images.list()).flatMap((i) => i.RepoTags ?? []);
      assert.ok(tags.includes(engine.busybox), tags.join(","));
      assert.ok(!tags.some((t) => t.startsWith("leash-test-dind:")), tags.join(","));
    },
  });

  Deno.test({
    name:
      `DockerClient over ${way}: create, attach (stdin in, stdout and stderr out), wait, logs, remove`,
    ...options,
    async fn() {
      const engine = await remoteEngine();
      using docker = await connect(way);
      const { Id: id } = await docker.containers.create({
        Image: engine.busybox,
        Cmd: ["sh", "-c", "cat; echo done >&2; exit 3"],
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Labels: { "leash.test": "1" },
      });
      try {
        using session = await docker.containers.attach(id, { tty: false });
        await docker.containers.start(id);
        const payload = `hello over ${way} ${crypto.randomUUID()}\n`;
        await session.write(payload);
        await session.closeStdin();
        const output = await collectOutput(session.output);
        assert.equal(output.stdout, payload);
        assert.equal(output.stderr, "done\n");
        assert.equal((await docker.containers.wait(id)).StatusCode, 3);
        const logs = await collectOutput(
          await docker.containers.logs(id, { stdout: true, stderr: true }),
        );
        assert.deepEqual(logs, output);
      } finally {
        await docker.containers.remove(id, { force: true });
      }
      await assert.rejects(docker.containers.inspect(id), /No such container/);
    },
  });

  Deno.test({
    name:
      `DockerClient over ${way}: archive put and get reach the engine's filesystem, not this host's`,
    ...options,
    async fn() {
      const engine = await remoteEngine();
      using docker = await connect(way);
      // A directory with a file on THIS host, bind-mounted by path: the engine has no such file.
      const hostDir = await Deno.makeTempDir({ prefix: "leash-remote-bind-" });
      await Deno.writeTextFile(join(hostDir, "on-host"), "host only\n");
      const { Id: id } = await docker.containers.create({
        Image: engine.busybox,
        Cmd: ["sh", "-c", "ls -A /bind; cat /put/file"],
        Labels: { "leash.test": "1" },
        HostConfig: { Binds: [`${hostDir}:/bind`] },
      });
      try {
        const secret = `put over ${way} ${crypto.randomUUID()}\n`;
        // 8 MiB of random bytes: many reads and writes through the transport, both ways.
        const bulk = new Uint8Array(8 * 1024 * 1024);
        for (let i = 0; i < bulk.length; i += 65536) {
          crypto.getRandomValues(bulk.subarray(i, i + 65536));
        }
        await docker.containers.putArchive(
          id,
          "/",
          createTar([{ path: "put", type: "directory" }, {
            path: "put/file",
            data: secret,
            mode: 0o640,
          }, { path: "put/bulk", data: bulk }]),
        );
        const entries = await readTar(await docker.containers.getArchive(id, "/put/file"));
        assert.equal(entries.length, 1);
        assert.equal(new TextDecoder().decode(entries[0]!.data), secret);
        assert.equal(entries[0]!.mode & 0o777, 0o640);
        const [back] = await readTar(await docker.containers.getArchive(id, "/put/bulk"));
        assert.ok(
          back && back.data.length === bulk.length && back.data.every((b, i) => b === bulk[i]),
        );
        await docker.containers.start(id);
        assert.equal((await docker.containers.wait(id)).StatusCode, 0);
        const out = await collectOutput(await docker.containers.logs(id, { stdout: true }));
        // The bind shows the engine's (empty, freshly made) directory, and the uploaded file.
        assert.equal(out.stdout, secret);
      } finally {
        await docker.containers.remove(id, { force: true });
        await Deno.remove(hostDir, { recursive: true });
      }
    },
  });

  Deno.test({
    name: `DockerClient over ${way}: build uploads its context and the engine runs the result`,
    ...options,
    async fn() {
      const engine = await remoteEngine();
      using docker = await connect(way);
      const token = crypto.randomUUID();
      const tag = `leash-test-remote-build:${token.slice(0, 8)}`;
      const context = createTar([
        {
          path: "Dockerfile",
          data: `FROM ${engine.busybox}\nCOPY token /token\nRUN cat /token > /built\n`,
        },
        { path: "token", data: `${token}\n` },
      ]);
      const built = await docker.images.build(context, { tag, labels: { "leash.test": "1" } });
      assert.match(built.output, /Step 3\/\d : RUN cat \/token > \/built/);
      const { Id: id } = await docker.containers.create({ Image: tag, Cmd: ["cat", "/built"] });
      try {
        await docker.containers.start(id);
        assert.equal((await docker.containers.wait(id)).StatusCode, 0);
        const out = await collectOutput(await docker.containers.logs(id, { stdout: true }));
        assert.equal(out.stdout, `${token}\n`);
      } finally {
        await docker.containers.remove(id, { force: true });
        await docker.images.remove(tag, { force: true });
      }
    },
  });

  Deno.test({
    name: `DockerClient over ${way}: events stream the engine's container lifecycle as it happens`,
    ...options,
    async fn() {
      const engine = await remoteEngine();
      using docker = await connect(way);
      const label = `leash.test.events=${crypto.randomUUID()}`;
      const abort = new AbortController();
      const events = await docker.events({
        filters: { type: ["container"], label: [label] },
        signal: abort.signal,
      });
      const [key, value] = label.split("=") as [string, string];
      const { Id: id } = await docker.containers.create({
        Image: engine.busybox,
        Cmd: ["true"],
        Labels: { [key]: value },
      });
      const seen: string[] = [];
      try {
        await docker.containers.start(id);
        for await (const event of events) {
          if (event.Actor?.ID === id) seen.push(event.Action ?? "");
          if (seen.includes("die")) break;
        }
      } finally {
        abort.abort();
        await docker.containers.remove(id, { force: true });
      }
      assert.deepEqual(seen.filter((a) => ["create", "start", "die"].includes(a)), [
        "create",
        "start",
        "die",
      ]);
    },
  });
}

Deno.test({
  name: "remote tier: the client test engine is removed",
  ...options,
  async fn() {
    await stopRemoteEngine();
  },
});
