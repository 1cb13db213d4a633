import assert from "node:assert/strict";
import { startFakeEngine } from "./_fake_engine.ts";
import { DockerClient } from "./client.ts";
import { concatBytes } from "../bytes.ts";
import { collectOutput, encodeFrame } from "./demux.ts";

const encoder = new TextEncoder();

function ping(): Response {
  return new Response("OK", { headers: { "API-Version": "1.41" } });
}

/** A body that arrives in small pieces, cutting through frame headers. */
function trickle(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.slice(i, i + size));
  return ReadableStream.from(pieces);
}

Deno.test("containers.logs() demultiplexes stdout and stderr of a non-TTY container", async () => {
  const frames = concatBytes([
    encodeFrame("stdout", "out\n"),
    encodeFrame("stderr", "err\n"),
    encodeFrame("stdout", "more out\n"),
  ]);
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") return ping();
    if (url.pathname === "/v1.41/containers/c1/json") {
      return Response.json({ Config: { Tty: false } });
    }
    if (url.pathname === "/v1.41/containers/c1/logs") return new Response(trickle(frames, 5));
    return Response.json({ message: "unexpected" }, { status: 500 });
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  assert.deepEqual(await collectOutput(await docker.containers.logs("c1")), {
    stdout: "out\nmore out\n",
    stderr: "err\n",
  });
  assert.deepEqual(engine.requests.slice(1), [
    "GET /v1.41/containers/c1/json",
    "GET /v1.41/containers/c1/logs?stdout=1&stderr=1",
  ]);
});

Deno.test("containers.logs() passes TTY output through raw", async () => {
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") return ping();
    return new Response("\x01raw tty bytes\r\n");
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  const output = await collectOutput(await docker.containers.logs("c1", { tty: true, tail: 10 }));
  assert.deepEqual(output, { stdout: "\x01raw tty bytes\r\n", stderr: "" });
  assert.deepEqual(engine.requests.slice(1), [
    "GET /v1.41/containers/c1/logs?stdout=1&stderr=1&tail=10",
  ]);
});

Deno.test("containers.logs() with follow stops when its signal is aborted", async () => {
  let cancelled!: () => void;
  const engineSawCancel = new Promise<void>((resolve) => cancelled = resolve);
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") return ping();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encodeFrame("stdout", "first\n"));
      },
      cancel() {
        cancelled();
      },
    });
    return new Response(body);
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  const controller = new AbortController();
  const logs = await docker.containers.logs("c1", {
    tty: false,
    follow: true,
    signal: controller.signal,
  });
  const reader = logs.getReader();
  const first = await reader.read();
  assert.equal(new TextDecoder().decode(first.value?.data), "first\n");
  controller.abort();
  await assert.rejects(reader.read(), { name: "AbortError" });
  await engineSawCancel;
});

Deno.test("containers.wait() resolves to the exit code", async () => {
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") return ping();
    return Response.json({ StatusCode: 3, Error: null });
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  assert.deepEqual(await docker.containers.wait("c1", { condition: "next-exit" }), {
    StatusCode: 3,
    Error: null,
  });
  assert.equal(engine.requests[1], "POST /v1.41/containers/c1/wait?condition=next-exit");
});

Deno.test("containers.putArchive() sends the tar with its content type", async () => {
  let seen: [string | null, number] | undefined;
  await using engine = await startFakeEngine(async (request, url) => {
    if (url.pathname === "/_ping") return ping();
    seen = [request.headers.get("content-type"), (await request.arrayBuffer()).byteLength];
    return new Response(null, { status: 200 });
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  await docker.containers.putArchive("c1", "/tmp", encoder.encode("x".repeat(1024)));
  assert.deepEqual(seen, ["application/x-tar", 1024]);
  assert.equal(engine.requests[1], "PUT /v1.41/containers/c1/archive?path=%2Ftmp");
});

Deno.test("containers.list() asks for stopped containers and sends filters as JSON", async () => {
  const listed = [{ Id: "c1", Names: ["/leash-1-target"], Labels: { a: "b" }, State: "exited" }];
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") return ping();
    if (url.pathname === "/v1.41/containers/json") return Response.json(listed);
    return Response.json({ message: "unexpected" }, { status: 500 });
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  assert.deepEqual(
    await docker.containers.list({ all: true, filters: { label: ["a=b"] } }),
    listed,
  );
  const url = new URL(`http://engine${engine.requests[1]!.split(" ")[1]}`);
  assert.equal(url.pathname, "/v1.41/containers/json");
  assert.equal(url.searchParams.get("all"), "1");
  assert.deepEqual(JSON.parse(url.searchParams.get("filters")!), { label: ["a=b"] });
});
