/**
 * `leash claude` runs the real Claude Code under the claude preset: the API key in leash's
 * environment reaches the API host only through the proxy's injection (judged by what a fake
 * api.anthropic.com on loopback received), while the container's environment, and every file
 * leash wrote, hold only the placeholder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { placeholderFor } from "../../src/agents/mod.ts";
import { DockerClient } from "../../src/docker/mod.ts";
import {
  filesUnder,
  leash,
  sandbox,
  sessionDir,
  sessionEvents,
  sessionOf,
  spawnLeash,
} from "../e2e/_session.ts";
import { buildEnv, cannotBuild, fakeAnthropic, loopbackAddress } from "./preset_fixture.ts";

const skip = await cannotBuild();
/** The test's name, with the reason it is ignored here when it is. */
const named = (name: string) => skip === undefined ? name : `${name} (ignored: ${skip})`;

const REAL_KEY = `sk-ant-real-${crypto.randomUUID()}`;

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
    const address = loopbackAddress();
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

/** Runs `leash claude --agent-home MODE -- -p hi` against a fake API with a home of `files`. */
async function claudeWithHome(mode: "mount" | "copy", files: Record<string, string>) {
  const box = await sandbox();
  const home = join(box.root, "home");
  await Deno.mkdir(join(home, ".claude"), { recursive: true });
  for (const [rel, text] of Object.entries(files)) await Deno.writeTextFile(join(home, rel), text);
  const address = loopbackAddress();
  const api = await fakeAnthropic(address);
  api.release(); // no hold: the agent is refused at once
  const caFile = join(box.root, "upstream-ca.pem");
  await Deno.writeTextFile(caFile, api.caPem);
  const result = await leash(
    box,
    ["claude", "-I", "--listen", "", "--agent-home", mode, "--", "-p", "say hi"],
    {
      HOME: home,
      ANTHROPIC_API_KEY: REAL_KEY,
      LEASH_UPSTREAM_CA: caFile,
      LEASH_UPSTREAM_HOSTS: `api.anthropic.com=${address}`,
      ...await buildEnv(),
    },
  );
  await api.close();
  return { box, home, result, seen: api.seen };
}

const MARKER = '{"leashTestMarker": 1}';

Deno.test({
  name: named(
    "leash claude --agent-home mount lets the agent change the host's login state, and says tokens are inside",
  ),
  ignore: skip !== undefined,
  async fn() {
    const { box, home, result, seen } = await claudeWithHome("mount", { ".claude.json": MARKER });
    await using _ = box;
    assert.ok(seen.some((r) => r.path.startsWith("/v1/messages")), result.stderr);
    assert.match(
      result.stderr,
      /agent home: mount: ~\/\.claude\.json, ~\/\.claude\/ bound at \/root .*the login tokens in them are INSIDE the container/,
    );
    // Claude Code records its start-up in ~/.claude.json and its session under ~/.claude/.
    const after = await Deno.readTextFile(join(home, ".claude.json"));
    assert.notEqual(after, MARKER, "the agent's write reached the host's file");
    assert.match(after, /leashTestMarker/);
    const written = [];
    for await (const file of filesUnder(join(home, ".claude"))) written.push(file);
    assert.ok(written.length > 0, "the agent wrote under the host's ~/.claude/");
  },
});

Deno.test({
  name: named(
    "leash claude --agent-home copy gives the agent a private copy: the host's login state is unchanged",
  ),
  ignore: skip !== undefined,
  async fn() {
    const { box, home, result, seen } = await claudeWithHome("copy", { ".claude.json": MARKER });
    await using _ = box;
    assert.ok(seen.some((r) => r.path.startsWith("/v1/messages")), result.stderr);
    assert.match(
      result.stderr,
      /agent home: copy: ~\/\.claude\.json, ~\/\.claude\/ copied for this session into \/root \(removed after it\).*INSIDE the container/,
    );
    assert.equal(await Deno.readTextFile(join(home, ".claude.json")), MARKER);
    const written = [];
    for await (const file of filesUnder(join(home, ".claude"))) written.push(file);
    assert.deepEqual(written, [], "nothing the agent wrote reached the host");
    const scratch = join(home, ".cache", "leash", "agent-home");
    const left = [];
    for await (const entry of Deno.readDir(scratch)) left.push(entry.name);
    assert.deepEqual(left, [], "the session's copy is removed");
  },
});
