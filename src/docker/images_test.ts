import assert from "node:assert/strict";
import { startFakeEngine } from "./_fake_engine.ts";
import { DockerClient } from "./client.ts";
import { DockerBuildError } from "./errors.ts";
import { createTar } from "./tar.ts";
import { readTar } from "./tar_reader.ts";
import type { BuildMessage } from "./types.ts";

function ndjson(lines: unknown[]): Response {
  const encoder = new TextEncoder();
  // One line per chunk, the last one split in two, as a builder streaming its progress would.
  const text = lines.map((line) => JSON.stringify(line) + "\r\n").join("");
  const cut = text.length - 7;
  return new Response(
    ReadableStream.from([text.slice(0, cut), text.slice(cut)].map((t) => encoder.encode(t))),
  );
}

Deno.test("images.build() streams the tar context and surfaces each progress line", async () => {
  let received: { type: string | null; entries: string[] } | undefined;
  await using engine = await startFakeEngine(async (request, url) => {
    if (url.pathname === "/_ping") {
      return new Response("OK", { headers: { "API-Version": "1.41" } });
    }
    received = {
      type: request.headers.get("content-type"),
      entries: readTar(new Uint8Array(await request.arrayBuffer())).map((e) => e.path),
    };
    return ndjson([
      { stream: "Step 1/2 : FROM scratch\n" },
      { stream: " ---> \n" },
      { stream: "Step 2/2 : COPY a /a\n" },
      { stream: " ---> 5d0da3dc9764\n" },
      { aux: { ID: "sha256:5d0da3dc976460b72c77d94c8a1ad043720b0416bfc16c52c45d4847e53fadb6" } },
      { stream: "Successfully built 5d0da3dc9764\n" },
      { stream: "Successfully tagged app:1\n" },
    ]);
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  const progress: BuildMessage[] = [];
  const result = await docker.images.build(
    createTar([{ path: "Dockerfile", data: "FROM scratch\nCOPY a /a\n" }, {
      path: "a",
      data: "A",
    }]),
    { tag: "app:1", labels: { "leash.test": "1" }, onProgress: (m) => progress.push(m) },
  );
  assert.equal(
    result.id,
    "sha256:5d0da3dc976460b72c77d94c8a1ad043720b0416bfc16c52c45d4847e53fadb6",
  );
  assert.equal(progress.length, 7);
  assert.match(result.output, /^Step 1\/2 : FROM scratch\n[^]*Successfully tagged app:1\n$/);
  assert.deepEqual(received, { type: "application/x-tar", entries: ["Dockerfile", "a"] });
  const query = new URL(`http://x${engine.requests[1]!.split(" ")[1]}`).searchParams;
  assert.equal(query.get("t"), "app:1");
  assert.equal(query.get("labels"), '{"leash.test":"1"}');
  assert.equal(query.get("forcerm"), "1");
});

Deno.test("images.build() rejects with a DockerBuildError naming the failing step", async () => {
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") {
      return new Response("OK", { headers: { "API-Version": "1.41" } });
    }
    return ndjson([
      { stream: "Step 1/3 : FROM scratch\n" },
      { stream: " ---> \nStep 2/3 : COPY busybox /bin/busybox\n ---> 0e5574283393\n" },
      { stream: 'Step 3/3 : RUN ["/bin/busybox","false"]\n' },
      { stream: " ---> Running in 2b3c4d5e6f70\n" },
      {
        errorDetail: {
          code: 1,
          message: "The command '/bin/busybox false' returned a non-zero code: 1",
        },
        error: "The command '/bin/busybox false' returned a non-zero code: 1",
      },
    ]);
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  const error = await docker.images.build(createTar([{ path: "Dockerfile", data: "" }]), {
    tag: "bad:1",
  })
    .catch((e) => e);
  assert.ok(error instanceof DockerBuildError, String(error));
  assert.equal(error.step, 'Step 3/3 : RUN ["/bin/busybox","false"]');
  assert.equal(
    error.message,
    `Cannot build image "bad:1": failed at "Step 3/3 : RUN ["/bin/busybox","false"]": The command '/bin/busybox false' returned a non-zero code: 1`,
  );
});

Deno.test("images.build() rejects when the builder ends without an image id", async () => {
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") {
      return new Response("OK", { headers: { "API-Version": "1.41" } });
    }
    return ndjson([{ stream: "Step 1/1 : FROM scratch\n" }]);
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  await assert.rejects(
    docker.images.build(createTar([{ path: "Dockerfile", data: "" }])),
    /failed at "Step 1\/1 : FROM scratch": the builder ended without reporting an image id/,
  );
});

Deno.test("images.import() streams the rootfs and sends repo, tag and each change apart", async () => {
  let body: string[] = [];
  await using engine = await startFakeEngine(async (request, url) => {
    if (url.pathname === "/_ping") {
      return new Response("OK", { headers: { "API-Version": "1.41" } });
    }
    body = readTar(new Uint8Array(await request.arrayBuffer())).map((e) => e.path);
    return ndjson([{
      status: "sha256:5d0da3dc976460b72c77d94c8a1ad043720b0416bfc16c52c45d4847e53fadb6",
    }]);
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  const id = await docker.images.import(
    createTar([{ path: "bin", type: "directory" }, { path: "bin/x", data: "x" }]),
    "reg.example:5000/team/rootfs:v1",
    { changes: ['CMD ["/bin/x"]', "LABEL leash.test=1"] },
  );
  assert.equal(id, "sha256:5d0da3dc976460b72c77d94c8a1ad043720b0416bfc16c52c45d4847e53fadb6");
  assert.deepEqual(body, ["bin/", "bin/x"]);
  const query = new URL(`http://x${engine.requests[1]!.split(" ")[1]}`).searchParams;
  assert.equal(engine.requests[1]!.split("?")[0], "POST /v1.41/images/create");
  assert.equal(query.get("fromSrc"), "-");
  assert.equal(query.get("repo"), "reg.example:5000/team/rootfs");
  assert.equal(query.get("tag"), "v1");
  assert.deepEqual(query.getAll("changes"), ['CMD ["/bin/x"]', "LABEL leash.test=1"]);
});

Deno.test("images.import() rejects with the engine's message when the import fails", async () => {
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") {
      return new Response("OK", { headers: { "API-Version": "1.41" } });
    }
    return ndjson([{ errorDetail: { message: "archive/tar: invalid tar header" } }]);
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  await assert.rejects(
    docker.images.import(new Uint8Array(10), "rootfs"),
    /^Error: Cannot import image "rootfs": archive\/tar: invalid tar header$/,
  );
});

Deno.test("images.exists() is true for 200, false for 404, and rejects other errors", async () => {
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") {
      return new Response("OK", { headers: { "API-Version": "1.41" } });
    }
    const name = decodeURIComponent(url.pathname.split("/")[3] ?? "");
    if (name === "here") return Response.json({ Id: "sha256:1" });
    if (name === "gone") return Response.json({ message: "No such image: gone" }, { status: 404 });
    return Response.json({ message: "boom" }, { status: 500 });
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  assert.equal(await docker.images.exists("here"), true);
  assert.equal(await docker.images.exists("gone"), false);
  await assert.rejects(docker.images.exists("broken"), /boom/);
});

Deno.test("images.list() sends filters as JSON and returns the engine's summaries", async () => {
  const listed = [{ Id: "sha256:1", RepoTags: ["leash-manager:x"], Labels: { a: "b" } }];
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") {
      return new Response("OK", { headers: { "API-Version": "1.41" } });
    }
    if (url.pathname === "/v1.41/images/json") return Response.json(listed);
    return Response.json({ message: "unexpected" }, { status: 500 });
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  assert.deepEqual(await docker.images.list({ label: ["a"] }), listed);
  const url = new URL(`http://engine${engine.requests[1]!.split(" ")[1]}`);
  assert.equal(url.pathname, "/v1.41/images/json");
  assert.deepEqual(JSON.parse(url.searchParams.get("filters")!), { label: ["a"] });
});
