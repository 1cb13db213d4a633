/**
 * `leash claude|codex|gemini|opencode`, `leash run --agent`, `leash agents` and `leash image`:
 * bad input is refused with exit 2 and a message naming it, before any container (the Docker
 * socket given does not exist, so reaching for the engine would fail differently).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type CliResult, runLeash } from "./_run_cli.ts";

const NO_ENGINE = "unix:///nonexistent/leash-agents-test.sock";
const KEYS = [
  "ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "CODEX_API_KEY",
  "GEMINI_API_KEY",
  "GOOGLE_API_KEY",
];

async function inEmptyHome(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const home = await Deno.makeTempDir({ prefix: "leash-cli-home-" });
  try {
    return await runLeash(args, {
      cwd: home,
      env: {
        HOME: home,
        DOCKER_HOST: NO_ENGINE,
        ...Object.fromEntries(KEYS.map((k) => [k, ""])),
        ...env,
      },
    });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

function assertUsage(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /leash: session|Cannot connect to Docker/);
}

Deno.test("leash run --agent with an unknown name exits 2 listing the presets", async () => {
  const result = await inEmptyHome(["run", "--agent", "claud", "--", "-p", "hi"]);
  assertUsage(
    result,
    /Unknown agent "claud": did you mean "claude"\? \(presets: claude, codex, gemini, opencode\)/,
  );
});

Deno.test("leash with a misspelt agent command suggests it", async () => {
  const result = await inEmptyHome(["codx"]);
  assertUsage(result, /Unknown command "codx": did you mean "codex"\?/);
});

Deno.test("leash image build and agents show refuse an unknown agent with the presets", async () => {
  for (const args of [["image", "build", "aider"], ["agents", "show", "aider"]]) {
    const result = await inEmptyHome(args);
    assertUsage(result, /Unknown agent "aider".*\(presets: claude, codex, gemini, opencode\)/);
  }
});

Deno.test("leash claude without an API key or login state says both ways to log in, in one line", async () => {
  const result = await inEmptyHome(["claude", "--", "-p", "hi"]);
  assertUsage(
    result,
    /^error: No credentials for Claude Code: export ANTHROPIC_API_KEY .* log in once on this host with "claude" .*~\/\.claude\.json.*--agent-home mount$/m,
  );
});

Deno.test("leash codex with login state but --agent-home none and no key is refused the same way", async () => {
  const home = await Deno.makeTempDir({ prefix: "leash-cli-home-" });
  try {
    await Deno.mkdir(join(home, ".codex"));
    const result = await runLeash(["codex", "--agent-home", "none"], {
      cwd: home,
      env: { HOME: home, DOCKER_HOST: NO_ENGINE, ...Object.fromEntries(KEYS.map((k) => [k, ""])) },
    });
    assertUsage(result, /No credentials for OpenAI Codex: export OPENAI_API_KEY/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("leash claude refuses a bad --agent-home, both policy flags, and a missing policy file", async () => {
  const key = { ANTHROPIC_API_KEY: "sk-test-123456" };
  assertUsage(
    await inEmptyHome(["claude", "--agent-home", "share"], key),
    /Invalid --agent-home "share": use mount, copy or none/,
  );
  assertUsage(
    await inEmptyHome(["claude", "--policy", "a.cedar", "--policy-replace", "b.cedar"], key),
    /Use --policy \(add to the preset\) or --policy-replace, not both/,
  );
  assertUsage(
    await inEmptyHome(["claude", "--policy-replace", "/nonexistent.cedar"], key),
    /Cannot read policy "\/nonexistent\.cedar": no such file/,
  );
});

Deno.test("leash claude with an agent flag it does not know points at -- for the agent's own flags", async () => {
  const result = await inEmptyHome(["claude", "-p", "hi"], { ANTHROPIC_API_KEY: "sk-test-123456" });
  assertUsage(result, /Unknown flag "-p".*arguments for claude go after --: leash claude -- ARGS/);
  assert.match(result.stderr, /See "leash claude --help"/);
});

Deno.test("leash run refuses agent flags without --agent", async () => {
  const result = await inEmptyHome(["run", "--yolo", "--image", "x", "--", "true"]);
  assertUsage(result, /Flag "--yolo" needs an agent: leash run --agent NAME/);
});

Deno.test("leash agents lists every preset with its pinned package, hosts and credentials", async () => {
  const result = await inEmptyHome(["agents"], { ANTHROPIC_API_KEY: "sk-test-123456" });
  assert.equal(result.code, 0, result.stderr);
  for (
    const pkg of [
      "@anthropic-ai/claude-code@2.1.332",
      "@openai/codex@0.171.0",
      "@google/gemini-cli@0.61.0",
      "opencode-ai@1.18.33",
    ]
  ) assert.ok(result.stdout.includes(pkg), pkg);
  assert.match(
    result.stdout,
    /^claude .*api\.anthropic\.com.*ANTHROPIC_API_KEY \(set: \$ANTHROPIC_API_KEY, injected by the proxy\)/m,
  );
  assert.match(result.stdout, /^codex .*OPENAI_API_KEY\/CODEX_API_KEY \(not set\)/m);
  assert.match(result.stdout, /\(no Docker engine\)/);
  assert.ok(!result.stdout.includes("sk-test-123456"), "the key's value is never printed");
});

Deno.test("leash agents show prints a preset policy that leash policy check accepts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leash-cli-show-" });
  try {
    const shown = await runLeash(["agents", "show", "codex"], { cwd: dir });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /@id\("codex-api"\)/);
    assert.match(
      shown.stdout,
      /forbid \(principal, action == Action::"NetworkConnect", resource\)/,
    );
    assert.match(
      shown.stdout,
      /context\.header == "Authorization" && context\.secret == "OPENAI_API_KEY_HEADER"/,
    );
    assert.ok(shown.stdout.includes(`Dir::"${await Deno.realPath(dir)}/"`), "the cwd read-write");
    const file = join(dir, "codex.cedar");
    await Deno.writeTextFile(file, shown.stdout);
    const check = await runLeash(["policy", "check", file]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /dns allow-list +api\.openai\.com, auth\.openai\.com, chatgpt\.com/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leash image without a subcommand, or with extra words, exits 2", async () => {
  assertUsage(await inEmptyHome(["image"]), /Missing subcommand: leash image build AGENT/);
  assertUsage(await inEmptyHome(["image", "build"]), /Missing AGENT/);
  assertUsage(await inEmptyHome(["image", "build", "claude", "x"]), /Unexpected argument: "x"/);
});

Deno.test("leash claude refuses -e ANTHROPIC_API_KEY, which would put the key in the container", async () => {
  const result = await inEmptyHome(["claude", "-e", "ANTHROPIC_API_KEY=sk-real-123456"], {
    ANTHROPIC_API_KEY: "sk-real-123456",
  });
  assertUsage(result, /Remove -e ANTHROPIC_API_KEY: it would put the key inside the container/);
  assert.ok(!result.stderr.includes("sk-real-123456"), "the message never shows the value");
});
