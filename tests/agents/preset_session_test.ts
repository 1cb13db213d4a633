/**
 * `leash claude` runs the real Claude Code under the claude preset: the API key in leash's
 * environment reaches the API host only through the proxy's injection (judged by what a fake
 * api.anthropic.com on loopback received), while the container's environment, and every file
 * leash wrote, hold only the placeholder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { placeholderFor } from "../../src/agents/mod.ts";
import { createCa, createLeafMinter } from "../../src/ca/mod.ts";
import { DockerClient } from "../../src/docker/mod.ts";
import {
  filesUnder,
  sandbox,
  sessionDir,
  sessionEvents,
  sessionOf,
  spawnLeash,
} from "../e2e/_session.ts";
import { buildEnv, cannotBuild } from "./_agents.ts";

const skip = await cannotBuild();
/** The test's name, with the reason it is ignored here when it is. */
const named = (name: string) => skip === undefined ? name : `${name} (ignored: ${skip})`;

const REAL_KEY = `sk-ant-real-${crypto.randomUUID()}`;

/** A fake api.anthropic.com: records every request's key; holds /v1/messages until released. */
async function fakeAnthropic(address: string) {
  const ca = await createCa({ commonName: "leash agents test upstream CA" });
  const leaf = await (await createLeafMinter(ca)).mint("api.anthropic.com");
  const seen: { path: string; key: string | null; authorization: string | null }[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let held!: () => void;
  const holding = new Promise<void>((resolve) => held = resolve);
  const ac = new AbortController();
  const server = Deno.serve({
    hostname: address,
    port: 443,
    cert: leaf.certPem,
    key: leaf.keyPem,
    signal: ac.signal,
    onListen: () => {},
  }, async (request) => {
    const path = new URL(request.url).pathname;
    seen.push({
      path,
      key: request.headers.get("x-api-key"),
      authorization: request.headers.get("authorization"),
    });
    await request.body?.cancel();
    if (path.startsWith("/v1/messages")) {
      held();
      await released;
      return Response.json({
        type: "error",
        error: { type: "invalid_request_error", message: "leash test: refused on purpose" },
      }, { status: 400 }); // not retried: the agent exits at once
    }
    return Response.json({ type: "error", error: { type: "not_found_error" } }, { status: 404 });
  });
  return {
    caPem: ca.certPem,
    seen,
    holding,
    release,
    async close() {
      release();
      ac.abort();
      await server.finished;
    },
  };
}

/** The target container of the session whose workspace is `workspace`. */
async function targetOf(docker: DockerClient, workspace: string) {
  for (const c of await docker.containers.list({ filters: { label: ["leash.session"] } })) {
    const info = await docker.containers.inspect(c.Id);
    const binds = [
      ...(info.HostConfig.Binds ?? []).map((b) => b.split(":")[0]),
      ...(info.HostConfig.Mounts ?? []).map((m) => m.Source),
    ];
    if (binds.includes(workspace) && String(info.Name).endsWith("-target")) {
      return info;
    }
  }
  return undefined;
}

Deno.test({
  name: named(
    "leash claude injects the real key for api.anthropic.com only; the container holds the placeholder",
  ),
  ignore: skip !== undefined,
  async fn() {
    await using box = await sandbox();
    const address = `127.77.${1 + Math.floor(Math.random() * 250)}.${
      1 + Math.floor(Math.random() * 250)
    }`;
    const api = await fakeAnthropic(address);
    const caFile = join(box.root, "upstream-ca.pem");
    await Deno.writeTextFile(caFile, api.caPem);
    using docker = await DockerClient.connect();
    const child = spawnLeash(box, ["claude", "-I", "--listen", "", "--", "-p", "say hi"], {
      HOME: box.root,
      ANTHROPIC_API_KEY: REAL_KEY,
      LEASH_UPSTREAM_CA: caFile,
      LEASH_UPSTREAM_HOSTS: `api.anthropic.com=${address}`,
      ...await buildEnv(),
    }).spawn();
    const output = child.output();
    try {
      // The agent's model request is held at the fake API: the session is alive, inspect it.
      await Promise.race([api.holding, output.then(() => {})]);
      const target = await targetOf(docker, box.workspace);
      assert.ok(target, "the session's target container runs while its request is held");
      const env = target.Config?.Env ?? [];
      assert.ok(
        env.includes(`ANTHROPIC_API_KEY=${placeholderFor("ANTHROPIC_API_KEY")}`),
        env.join("\n"),
      );
      assert.ok(!env.some((e) => e.includes(REAL_KEY)), "the real key is not in the container env");
      assert.deepEqual(target.Config?.Cmd?.slice(-3), ["claude", "-p", "say hi"]);
    } finally {
      api.release();
    }
    const done = await output;
    await api.close();
    const stderr = new TextDecoder().decode(done.stderr);
    const session = sessionOf(stderr);
    assert.match(
      stderr,
      /leash: credentials: \$ANTHROPIC_API_KEY is injected by the host proxy as x-api-key for api\.anthropic\.com only; the container holds a placeholder/,
    );
    assert.match(stderr, /policy claude preset \(\+ .* read-write\)/);

    const messages = api.seen.filter((r) => r.path.startsWith("/v1/messages"));
    assert.ok(messages.length >= 1, JSON.stringify(api.seen));
    for (const request of api.seen) {
      assert.equal(request.key, REAL_KEY, `${request.path} carried the real key, injected`);
    }
    const events = await sessionEvents(box, session);

    assert.ok(
      events.some((e) =>
        e.event === "http.rewrite" && e.decision === "allow" && e.secret === "ANTHROPIC_API_KEY" &&
        e.host === "api.anthropic.com"
      ),
      "an http.rewrite event names the injection",
    );
    for await (const file of filesUnder(sessionDir(box, session))) {
      const bytes = await Deno.readFile(file);
      const text = new TextDecoder().decode(bytes);
      assert.ok(!text.includes(REAL_KEY), `${file} does not hold the real key`);
    }
    for await (const file of filesUnder(box.workspace)) {
      assert.ok(!(await Deno.readTextFile(file)).includes(REAL_KEY), file);
    }
  },
});
