import assert from "node:assert/strict";
import { startFakeEngine } from "../docker/_fake_engine.ts";
import { DockerClient } from "../docker/mod.ts";
import { elfArchitecture } from "../manager/mod.ts";
import { readAsset } from "../assets.ts";
import { runProbeInContainer } from "./probe.ts";

Deno.test("runProbeInContainer() on an engine of another architecture names both and builds nothing", async () => {
  const helper = elfArchitecture(await readAsset("leash-helper"));
  const other = helper === "aarch64" ? "x86_64" : "aarch64";
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
    `cannot build the manager image: Cannot use this engine: its architecture is "${other}" but leash's embedded helper is built for "${helper}"; use the leash build for ${other} or an engine on ${helper}`,
  );
  assert.deepEqual(engine.requests, ["GET /_ping", "GET /v1.41/info"]);
});
