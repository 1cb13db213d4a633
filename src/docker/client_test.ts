import assert from "node:assert/strict";
import { startFakeEngine } from "./_fake_engine.ts";
import { DockerClient } from "./client.ts";
import { DockerApiError, DockerConnectionError } from "./errors.ts";
import { MAX_API_VERSION } from "./version.ts";

function ping(apiVersion: string): Response {
  return new Response("OK", {
    headers: { "API-Version": apiVersion, "OSType": "linux", "Server": "Docker/fake (linux)" },
  });
}

function json(value: unknown, status = 200): Response {
  return Response.json(value, { status });
}

Deno.test("DockerClient.connect() uses the engine's API version from /_ping", async () => {
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") return ping("1.43");
    if (url.pathname === "/v1.43/version") return json({ Version: "24.0.0", ApiVersion: "1.43" });
    return json({ message: "unexpected" }, 500);
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  assert.equal(docker.apiVersion, "1.43");
  assert.deepEqual(docker.engine, {
    apiVersion: "1.43",
    osType: "linux",
    experimental: false,
    builderVersion: "",
    server: "Docker/fake (linux)",
  });
  assert.equal((await docker.version()).Version, "24.0.0");
  assert.deepEqual(engine.requests, ["GET /_ping", "GET /v1.43/version"]);
});

Deno.test("DockerClient.connect() caps a newer engine at our newest version after checking its minimum", async () => {
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") return ping("1.52");
    if (url.pathname === "/version") return json({ ApiVersion: "1.52", MinAPIVersion: "1.44" });
    return json({ message: "unexpected" }, 500);
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  assert.equal(docker.apiVersion, MAX_API_VERSION);
  assert.deepEqual(engine.requests, ["GET /_ping", "GET /version"]);
});

Deno.test("DockerClient.connect() refuses an engine older than API 1.41, naming the socket and fix", async () => {
  await using engine = await startFakeEngine(() => ping("1.40"));
  const error = await DockerClient.connect({ host: `unix://${engine.socket}` }).catch((e) => e);
  assert.ok(error instanceof DockerConnectionError);
  assert.equal(
    error.message,
    `Cannot use Docker socket "${engine.socket}": Docker engine API 1.40 is older than 1.41, the oldest leash supports: upgrade Docker Engine to 20.10 or newer`,
  );
});

Deno.test("DockerClient.connect() explains a missing socket in one line with the fix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const socket = `${dir}/docker.sock`;
    const error = await DockerClient.connect({ host: `unix://${socket}` }).catch((e) => e);
    assert.ok(error instanceof DockerConnectionError);
    assert.equal(
      error.message,
      `Cannot connect to Docker socket "${socket}": no such file; start Docker (sudo systemctl start docker) or set DOCKER_HOST to the engine's socket`,
    );
    assert.equal(error.socket, socket);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DockerClient.connect() explains a socket nobody listens on", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A socket file left behind by a dead engine: a hard link survives the listener's cleanup.
    const socket = `${dir}/docker.sock`;
    const listener = Deno.listen({ transport: "unix", path: `${dir}/live.sock` });
    await Deno.link(`${dir}/live.sock`, socket);
    listener.close();
    const error = await DockerClient.connect({ host: `unix://${socket}` }).catch((e) => e);
    assert.ok(error instanceof DockerConnectionError);
    assert.match(error.message, /": connection refused; no engine listens there/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DockerClient.connect() refuses tcp:// without TLS unless LEASH_DOCKER_INSECURE=1", async () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const error = await DockerClient.connect({
    host: "tcp://127.0.0.1:2375",
    env: env({}),
  }).catch((e) => e);
  assert.ok(error instanceof DockerConnectionError);
  assert.match(
    error.message,
    /^Cannot use DOCKER_HOST "tcp:\/\/127\.0\.0\.1:2375" without TLS verification: .*LEASH_DOCKER_INSECURE=1/,
  );
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/_ping") return ping("1.41");
    if (url.pathname === "/v1.41/info") {
      return json({
        ServerVersion: "20.10",
        KernelVersion: Deno.osRelease(),
        Architecture: "x86_64",
      });
    }
    return json({ message: "unexpected" }, 500);
  });
  try {
    const address = `tcp://127.0.0.1:${server.addr.port}`;
    using docker = await DockerClient.connect({
      env: env({ DOCKER_HOST: address, LEASH_DOCKER_INSECURE: "1" }),
    });
    const profile = await docker.profile();
    assert.equal(profile.kind, "remote");
    assert.equal(profile.transport, `tcp (no TLS) 127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("DockerClient maps the engine's JSON error to DockerApiError", async () => {
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") return ping("1.41");
    if (url.pathname === "/v1.41/containers/create") {
      return json({
        message: 'Conflict. The container name "/web" is already in use by container "0123".',
      }, 409);
    }
    if (url.pathname === "/v1.41/containers/missing/json") {
      return json({ message: "No such container: missing" }, 404);
    }
    return json({ message: "unexpected" }, 500);
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  const conflict = await docker.containers.create({ Image: "x" }, { name: "web" }).catch((e) => e);
  assert.ok(conflict instanceof DockerApiError);
  assert.equal(conflict.status, 409);
  assert.equal(conflict.method, "POST");
  assert.equal(conflict.path, "/containers/create");
  assert.equal(
    conflict.message,
    'Docker API POST /containers/create failed (409): Conflict. The container name "/web" is already in use by container "0123".',
  );
  const missing = await docker.containers.inspect("missing").catch((e) => e);
  assert.ok(missing instanceof DockerApiError);
  assert.equal(missing.status, 404);
  assert.equal(missing.engineMessage, "No such container: missing");
  assert.ok(engine.requests.includes("POST /v1.41/containers/create?name=web"));
});

Deno.test("containers.start() and stop() accept 304 (already in that state)", async () => {
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") return ping("1.41");
    return new Response(null, { status: 304 });
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  await docker.containers.start("c1");
  await docker.containers.stop("c1", { timeout: 3 });
  assert.deepEqual(engine.requests.slice(1), [
    "POST /v1.41/containers/c1/start",
    "POST /v1.41/containers/c1/stop?t=3",
  ]);
});

Deno.test("DockerClient.profile() asks Podman's /libpod/info whether it is rootless, once", async () => {
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") {
      return new Response("OK", {
        headers: { "API-Version": "1.41", "Server": "Libpod/4.3.1 (linux)" },
      });
    }
    if (url.pathname === "/v1.41/info") {
      return json({
        ServerVersion: "4.3.1",
        KernelVersion: Deno.osRelease(),
        Architecture: "amd64",
        SecurityOptions: ["name=seccomp,profile=default"],
      });
    }
    if (url.pathname === "/v1.41/libpod/info") {
      return json({ host: { security: { rootless: true } } });
    }
    return json({ message: "unexpected" }, 500);
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  const profile = await docker.profile();
  assert.equal(profile.kind, "podman-rootless");
  assert.equal(profile.product, "Podman 4.3.1");
  assert.equal(profile.transport, `unix socket ${engine.socket}`);
  assert.equal(profile.architecture, "x86_64");
  assert.equal(await docker.profile(), profile);
  assert.deepEqual(engine.requests, ["GET /_ping", "GET /v1.41/info", "GET /v1.41/libpod/info"]);
});
