/**
 * `leash claude` runs the real Claude Code under the claude preset: the API key in leash's
 * environment reaches the API host only through the proxy's injection (judged by what a fake
 * api.anthropic.com on loopback received), while the container's environment, and every file
 * leash wrote, hold only the placeholder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { placeholderFor } from "../../src/agents/mod.ts";
import { createCa } from "../../src/ca/mod.ts";
import { type ContainerInspect, DockerClient } from "../../src/docker/mod.ts";
import {
  filesUnder,
  sandbox,
  sessionDir,
  sessionEvents,
  sessionOf,
  spawnLeash,
} from "../e2e/_session.ts";
import {
  ANTHROPIC_HOST,
  anthropicHandler,
  FINAL_TEXT,
  holdModelRequests,
  startFakeApi,
} from "./fake_api/mod.ts";
import { buildEnv, cannotBuild } from "./preset_fixture.ts";

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

/**
 * Runs `leash claude FLAGS -- -p hi` against a fake API (the tier's fake Anthropic API, with
 * no scripted tool steps: it answers with its closing text) with a home of `files`;
 * `whileHeld` runs while the agent's model request is held (the session alive).
 */
async function claudeWithHome(
  flags: string[],
  files: Record<string, string>,
  whileHeld?: (target: ContainerInspect) => void,
) {
  const box = await sandbox();
  const home = join(box.root, "home");
  await Deno.mkdir(join(home, ".claude"), { recursive: true });
  for (const [rel, text] of Object.entries(files)) await Deno.writeTextFile(join(home, rel), text);
  const ca = await createCa({ commonName: "leash agents test upstream CA" });
  const held = holdModelRequests(anthropicHandler([]), (r) => r.path.startsWith("/v1/messages"));
  if (!whileHeld) held.release(); // no hold: the agent gets its answer at once
  const api = await startFakeApi(ANTHROPIC_HOST, ca, held.handler);
  const caFile = join(box.root, "upstream-ca.pem");
  await Deno.writeTextFile(caFile, ca.certPem);
  try {
    const child = spawnLeash(
      box,
      ["claude", "-I", "--listen", "", ...flags, "--", "-p", "say hi"],
      {
        HOME: home,
        ANTHROPIC_API_KEY: REAL_KEY,
        LEASH_UPSTREAM_CA: caFile,
        // A port pin: the fake listens on a free port of 127.0.0.1 (no root needed for 443).
        LEASH_UPSTREAM_HOSTS: api.pin,
        ...await buildEnv(),
      },
    ).spawn();
    const output = child.output();
    if (whileHeld) {
      try {
        await Promise.race([held.holding, output.then(() => {})]);
        using docker = await DockerClient.connect();
        const target = await targetOf(docker, box.workspace);
        assert.ok(target, "the session's target container runs while its request is held");
        whileHeld(target);
      } finally {
        held.release();
      }
    }
    const done = await output;
    const decoder = new TextDecoder();
    const stderr = decoder.decode(done.stderr);
    const result = {
      code: done.code,
      stdout: decoder.decode(done.stdout),
      stderr,
      session: sessionOf(stderr),
    };
    const seen = api.requests.map((r) => ({ path: r.path, key: r.headers["x-api-key"] }));
    return { box, home, result, seen };
  } finally {
    await api.close();
  }
}

/** The agent finished its turn: exit 0 and the fake's answer printed. */
function assertAnswered(result: { code: number; stdout: string; stderr: string }): void {
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.includes(FINAL_TEXT), `${result.stdout}\n${result.stderr}`);
}

Deno.test({
  name: named(
    "leash claude injects the real key for api.anthropic.com only; the container holds the placeholder",
  ),
  ignore: skip !== undefined,
  async fn() {
    let env: string[] = [];
    let cmd: string[] = [];
    const { box, result, seen } = await claudeWithHome([], {}, (target) => {
      env = target.Config?.Env ?? [];
      cmd = target.Config?.Cmd ?? [];
    });
    await using _ = box;
    assertAnswered(result);
    assert.ok(
      env.includes(`ANTHROPIC_API_KEY=${placeholderFor("ANTHROPIC_API_KEY")}`),
      env.join("\n"),
    );
    assert.ok(!env.some((e) => e.includes(REAL_KEY)), "the real key is not in the container env");
    assert.deepEqual(cmd.slice(-3), ["claude", "-p", "say hi"]);
    assert.match(
      result.stderr,
      /leash: credentials: \$ANTHROPIC_API_KEY is injected by the host proxy as x-api-key for api\.anthropic\.com only; the container holds a placeholder/,
    );
    assert.match(result.stderr, /policy claude preset \(\+ .* read-write\)/);

    assert.ok(seen.some((r) => r.path.startsWith("/v1/messages")), JSON.stringify(seen));
    for (const request of seen) {
      assert.equal(request.key, REAL_KEY, `${request.path} carried the real key, injected`);
    }
    const events = await sessionEvents(box, result.session);
    assert.ok(
      events.some((e) =>
        e.event === "http.rewrite" && e.decision === "allow" && e.secret === "ANTHROPIC_API_KEY" &&
        e.host === "api.anthropic.com"
      ),
      "an http.rewrite event names the injection",
    );
    for await (const file of filesUnder(sessionDir(box, result.session))) {
      const text = new TextDecoder().decode(await Deno.readFile(file));
      assert.ok(!text.includes(REAL_KEY), `${file} does not hold the real key`);
    }
    for await (const file of filesUnder(box.workspace)) {
      assert.ok(!(await Deno.readTextFile(file)).includes(REAL_KEY), file);
    }
  },
});

const MARKER = '{"leashTestMarker": 1}';

Deno.test({
  name: named(
    "leash claude --agent-home mount lets the agent change the host's login state, and says tokens are inside",
  ),
  ignore: skip !== undefined,
  async fn() {
    const { box, home, result, seen } = await claudeWithHome(["--agent-home", "mount"], {
      ".claude.json": MARKER,
    });
    await using _ = box;
    assertAnswered(result);
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
    // The agent is root in its container; what it made in the user's own login state is the
    // user's again after the session (a docker-group user's own claude could not use it else).
    const foreign = [];
    for (const path of [join(home, ".claude.json"), ...await entriesUnder(join(home, ".claude"))]) {
      const owner = (await Deno.lstat(path)).uid;
      if (owner !== Deno.uid()) foreign.push(`${path} (uid ${owner})`);
    }
    assert.deepEqual(foreign, [], `the host's login state is uid ${Deno.uid()}'s`);
  },
});

/** Every entry (files, dirs, symlinks) under `dir`, recursively. */
async function entriesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    out.push(path);
    if (entry.isDirectory) out.push(...await entriesUnder(path));
  }
  return out;
}

Deno.test({
  name: named(
    "leash claude --agent-home copy gives the agent a private copy: the host's login state is unchanged",
  ),
  ignore: skip !== undefined,
  async fn() {
    const { box, home, result, seen } = await claudeWithHome(["--agent-home", "copy"], {
      ".claude.json": MARKER,
    });
    await using _ = box;
    assertAnswered(result);
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

Deno.test({
  name: named(
    "leash claude --yolo starts Claude Code with its prompts off, as root in the container",
  ),
  ignore: skip !== undefined,
  async fn() {
    let cmd: string[] = [];
    let env: string[] = [];
    const { box, result, seen } = await claudeWithHome(["--yolo"], {}, (target) => {
      cmd = target.Config?.Cmd ?? [];
      env = target.Config?.Env ?? [];
    });
    await using _ = box;
    assertAnswered(result);
    assert.deepEqual(cmd.slice(-4), ["claude", "--dangerously-skip-permissions", "-p", "say hi"]);
    assert.ok(env.includes("IS_SANDBOX=1"), env.join("\n"));
    assert.doesNotMatch(result.stderr, /cannot be used with root/);
    assert.ok(seen.some((r) => r.path.startsWith("/v1/messages")), result.stderr);
    assert.match(
      result.stderr,
      /leash: --yolo: claude runs with its own permission prompts off \(--dangerously-skip-permissions IS_SANDBOX=\.\.\.\); leash's policy is the guard/,
    );
  },
});
