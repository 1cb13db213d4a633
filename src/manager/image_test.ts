import assert from "node:assert/strict";
import { readAsset } from "../assets.ts";
import { startFakeEngine } from "../docker/_fake_engine.ts";
import { DockerClient, readTar } from "../docker/mod.ts";
import { ensureManagerImage, managerImageContext } from "./image.ts";

/** A fake engine of `arch` that has no image and records the build context it is sent. */
async function engineOf(arch: string, contexts: Uint8Array[]) {
  return await startFakeEngine(async (request, url) => {
    if (url.pathname === "/_ping") {
      return new Response("OK", { headers: { "API-Version": "1.41", "Server": "Docker/fake" } });
    }
    if (url.pathname === "/v1.41/info") {
      return Response.json({ ServerVersion: "fake", KernelVersion: "x", Architecture: arch });
    }
    if (url.pathname.startsWith("/v1.41/images/")) {
      return Response.json({ message: "No such image" }, { status: 404 });
    }
    if (url.pathname === "/v1.41/build") {
      contexts.push(new Uint8Array(await request.arrayBuffer()));
      return new Response('{"stream":"Successfully built 0123456789ab\\n"}\n');
    }
    return Response.json({ message: "unexpected" }, { status: 500 });
  });
}

for (
  const [reported, arch] of [["aarch64", "aarch64"], ["arm64", "aarch64"], ["x86_64", "x86_64"]]
) {
  Deno.test(`ensureManagerImage() on an engine reporting "${reported}" builds the image with the ${arch} helper`, async () => {
    const contexts: Uint8Array[] = [];
    await using engine = await engineOf(reported!, contexts);
    using docker = await DockerClient.connect({ host: `unix://${engine.socket}` });
    const image = await ensureManagerImage(docker);
    assert.ok(image.built);
    assert.equal(image.tag, (await managerImageContext(arch)).tag);
    assert.equal(contexts.length, 1);
    const helper = readTar(contexts[0]!).find((e) => e.path === "leash-helper");
    assert.ok(helper, "the context holds leash-helper");
    assert.deepEqual(helper.data, await readAsset("leash-helper", arch));
  });
}

Deno.test("managerImageContext() tags each architecture's image differently", async () => {
  const x86 = await managerImageContext("x86_64");
  const arm = await managerImageContext("aarch64");
  assert.notEqual(x86.tag, arm.tag);
  assert.match(arm.tag, /^leash-manager:[0-9a-f]{16}$/);
});
