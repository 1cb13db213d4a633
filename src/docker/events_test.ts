import assert from "node:assert/strict";
import { startFakeEngine } from "./_fake_engine.ts";
import { DockerClient } from "./client.ts";

Deno.test("events() streams parsed events until its signal is aborted", async () => {
  let cancelled!: () => void;
  const engineSawCancel = new Promise<void>((resolve) => cancelled = resolve);
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") {
      return new Response("OK", { headers: { "API-Version": "1.41" } });
    }
    const event = {
      Type: "container",
      Action: "start",
      Actor: { ID: "c1", Attributes: { "leash.test": "1" } },
      time: 1,
      timeNano: 1000000000,
    };
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify(event) + "\n"));
      },
      cancel() {
        cancelled();
      },
    });
    return new Response(body, { headers: { "Content-Type": "application/json" } });
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  const controller = new AbortController();
  const events = await docker.events({
    filters: { type: ["container"], label: ["leash.test=1"] },
    signal: controller.signal,
  });
  const reader = events.getReader();
  const first = await reader.read();
  assert.equal(first.value?.Action, "start");
  assert.equal(first.value?.Actor.ID, "c1");
  controller.abort();
  await assert.rejects(reader.read(), { name: "AbortError" });
  await engineSawCancel;
  const query = new URL(`http://x${engine.requests[1]!.split(" ")[1]}`).searchParams;
  assert.deepEqual(JSON.parse(query.get("filters")!), {
    type: ["container"],
    label: ["leash.test=1"],
  });
  // The engine subscribes only after answering: replaying from the call time closes that gap.
  const since = Number(query.get("since"));
  assert.ok(Math.abs(since - Date.now() / 1000) < 5, `since=${query.get("since")}`);
  assert.match(query.get("since")!, /^\d+\.\d{9}$/);
});

Deno.test("events() can be stopped by cancelling the stream", async () => {
  let cancelled!: () => void;
  const engineSawCancel = new Promise<void>((resolve) => cancelled = resolve);
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") {
      return new Response("OK", { headers: { "API-Version": "1.41" } });
    }
    return new Response(new ReadableStream({ cancel: () => cancelled() }));
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  const events = await docker.events();
  await events.cancel();
  await engineSawCancel;
});
