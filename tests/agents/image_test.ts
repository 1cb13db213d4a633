/**
 * `leash image build AGENT` for real (the slow tests of the `agents` tier, in one file): the
 * image holds the pinned agent (`claude --version` prints it), a second build is a cache hit,
 * and a failing npm step is reported with the step and its log tail.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CLAUDE, CODEX, GEMINI, OPENCODE } from "../../src/agents/mod.ts";
import { DockerClient } from "../../src/docker/mod.ts";
import { leash, sandbox } from "../e2e/_session.ts";
import { buildEnv, cannotBuild } from "./preset_fixture.ts";

const skip = await cannotBuild();
/** The test's name, with the reason it is ignored here when it is. */
const named = (name: string) => skip === undefined ? name : `${name} (ignored: ${skip})`;

/** Runs `cmd` in a throwaway container of `image`; resolves to its output. */
async function runIn(image: string, cmd: string[]): Promise<string> {
  const out = await new Deno.Command("docker", {
    args: ["run", "--rm", "--label", "leash.test=1", "--network", "none", image, ...cmd],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, text);
  return text;
}

Deno.test({
  name: named(
    "leash image build claude builds the pinned Claude Code, and a second build is a cache hit",
  ),
  ignore: skip !== undefined,
  async fn() {
    await using box = await sandbox();
    const env = { HOME: box.root, ...await buildEnv() };
    const first = await leash(box, ["image", "build", "claude"], env);
    assert.equal(first.code, 0, first.stderr);
    const tag = first.stdout.trim();
    assert.match(tag, /^leash-agent-claude:[0-9a-f]{16}$/);
    assert.equal(
      (await runIn(tag, ["claude", "--version"])).trim(),
      `${CLAUDE.package.version} (Claude Code)`,
    );
    using docker = await DockerClient.connect();
    const image = await docker.images.inspect(tag);
    assert.equal(image.Config?.Labels?.["leash.agent"], "claude");

    const second = await leash(box, ["image", "build", "claude"], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.trim(), tag);
    assert.match(second.stderr, /is built already \(same recipe\)/);
    assert.doesNotMatch(second.stderr, /Step \d+\/\d+/, "nothing was built");
    assert.equal((await docker.images.inspect(tag)).Id, image.Id);

    // --force runs the recipe again (Docker's layer cache keeps it quick) to the same tag.
    const forced = await leash(box, ["image", "build", "claude", "--force"], env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout.trim(), tag);
    assert.match(forced.stderr, /claude image: Step \d+\/\d+ : RUN sh -c .*npm install -g/);
  },
});

Deno.test({
  name: named(
    "leash image build with a broken package tarball names the failing npm step and its log",
  ),
  ignore: skip !== undefined,
  async fn() {
    await using box = await sandbox();
    const tgz = join(box.root, "broken.tgz");
    await Deno.writeFile(tgz, new TextEncoder().encode("this is not a gzip'd tarball\n"));
    const result = await leash(
      box,
      ["image", "build", "claude", "--from", tgz],
      { HOME: box.root, ...await buildEnv() },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /error: Cannot build the Claude Code image "leash-agent-claude:[0-9a-f]{16}": Step \d+\/\d+ : RUN sh -c .*npm install -g .*\/tmp\/agent\.tgz.* failed with exit code 1\n/,
    );
    assert.match(result.stderr, /Last lines of that step:\n(.*\n)*.*npm (ERR|error)/);
  },
});

Deno.test({
  name: named("leash image build --from DIR that is not an npm prefix says how to make one"),
  ignore: skip !== undefined,
  async fn() {
    await using box = await sandbox();
    const result = await leash(box, ["image", "build", "codex", "--from", box.root], {
      HOME: box.root,
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /Cannot use --from ".*": it holds no "lib\/node_modules\/@openai\/codex\/package.json"; make it with: npm install -g --prefix .* --allow-scripts=@openai\/codex @openai\/codex@0\.171\.0/,
    );
  },
});

Deno.test({
  name: named(
    "leash image build claude --from DIR copies an npm prefix made on the host: no npm, no network in the build",
  ),
  ignore: skip !== undefined,
  async fn() {
    await using box = await sandbox();
    const prefix = join(box.root, "prefix");
    const pkg = `${CLAUDE.package.name}@${CLAUDE.package.version}`;
    const npm = await new Deno.Command("npm", {
      args: ["install", "-g", "--prefix", prefix, `--allow-scripts=${CLAUDE.package.name}`, pkg],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(npm.success, new TextDecoder().decode(npm.stderr));
    const result = await leash(box, ["image", "build", "claude", "--from", prefix, "--force"], {
      HOME: box.root,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Step 2\/\d+ : COPY prefix\/ \/usr\/local\//);
    assert.doesNotMatch(result.stderr, /apt-get|npm install/, "nothing is fetched in the build");
    const tag = result.stdout.trim();
    const registry = await leash(box, ["image", "build", "claude"], {
      HOME: box.root,
      ...await buildEnv(),
    });
    assert.notEqual(tag, registry.stdout.trim(), "another recipe, another tag");
    assert.equal(
      (await runIn(tag, ["claude", "--version"])).trim(),
      `${CLAUDE.package.version} (Claude Code)`,
    );
    using docker = await DockerClient.connect();
    await docker.images.remove(tag);
  },
});

for (const preset of [CODEX, GEMINI, OPENCODE]) {
  Deno.test({
    name: named(
      `leash image build ${preset.name} then leash ${preset.name} -- --version runs the pinned agent under its preset`,
    ),
    ignore: skip !== undefined,
    async fn() {
      await using box = await sandbox();
      const key = preset.credentials[0]!.env[0]!;
      const env = { HOME: box.root, [key]: "sk-test-not-used-123456", ...await buildEnv() };
      const built = await leash(box, ["image", "build", preset.name], env);
      assert.equal(built.code, 0, built.stderr);
      const tag = built.stdout.trim();
      const run = await leash(box, [preset.name, "-I", "--listen", "", "--", "--version"], env);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stdout.includes(preset.package.version), run.stdout);
      assert.match(run.stderr, new RegExp(`· image ${tag} · policy ${preset.name} preset`));
      assert.match(run.stderr, /leash-entry: enforcement active/);
    },
  });
}

Deno.test({
  name: named("leash claude --image IMG runs the user's own image under the claude preset"),
  ignore: skip !== undefined,
  async fn() {
    await using box = await sandbox();
    const env = {
      HOME: box.root,
      ANTHROPIC_API_KEY: "sk-test-not-used-123456",
      ...await buildEnv(),
    };
    const built = await leash(box, ["image", "build", "claude"], env);
    assert.equal(built.code, 0, built.stderr);
    const own = `leash-test-own-claude:${crypto.randomUUID().slice(0, 8)}`;
    const tagged = await new Deno.Command("docker", { args: ["tag", built.stdout.trim(), own] })
      .output();
    assert.ok(tagged.success);
    try {
      const run = await leash(box, [
        "claude",
        "-I",
        "--listen",
        "",
        "--image",
        own,
        "--",
        "--version",
      ], env);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), `${CLAUDE.package.version} (Claude Code)`);
      assert.match(run.stderr, new RegExp(`· image ${own} · policy claude preset`));
      assert.doesNotMatch(run.stderr, /building the claude image/);
    } finally {
      using docker = await DockerClient.connect();
      await docker.images.remove(own);
    }
  },
});
