import assert from "node:assert/strict";
import { startFakeEngine } from "../docker/_fake_engine.ts";
import { DockerClient } from "../docker/mod.ts";
import { runProbeInContainer } from "./probe.ts";

Deno.test("runProbeInContainer() on an engine of an architecture without a helper names it and builds nothing", async () => {
  const other = "s390x";
  await using engine = await startFakeEngine((_request, url) => {
    if (url.pathname === "/_ping") {
      return new Response("OK", { headers: { "API-Version": "1.41", "Server": "Docker/fake" } });
    }
    if (url.pathname === "/v1.41/info") {
      return Response.json({ ServerVersion: "fake", KernelVersion: "x", Architecture: other });
    }
    return Response.json({ message: "unexpected" }, { status: 500 });
  });
  using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
  const facts = await runProbeInContainer(docker);
  assert.ok(!facts.ran, "no probe ran");
  assert.equal(
    facts.reason,
    `cannot build the manager image: Cannot use this engine: its architecture is "${other}" but leash embeds a helper for x86_64 and aarch64 only; use an engine on one of those`,
  );
  assert.deepEqual(engine.requests, ["GET /_ping", "GET /v1.41/info"]);
});
