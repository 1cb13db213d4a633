import assert from "node:assert/strict";
import {
  chooseHomeMode,
  noCredentialsMessage,
  placeholderFor,
  planCredentials,
} from "./credentials.ts";
import { CLAUDE } from "./claude.ts";
import { CODEX } from "./codex.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("planCredentials() turns a key in the environment into a secret and a placeholder", () => {
  const plan = planCredentials(CLAUDE, env({ ANTHROPIC_API_KEY: "sk-real" }), []);
  assert.deepEqual(plan.secrets, ["ANTHROPIC_API_KEY=env:ANTHROPIC_API_KEY"]);
  assert.deepEqual(plan.derived, []);
  assert.deepEqual(plan.injections, [{
    secret: "ANTHROPIC_API_KEY",
    host: "api.anthropic.com",
    header: "x-api-key",
    source: "$ANTHROPIC_API_KEY",
  }]);
  assert.deepEqual(plan.placeholders, [`ANTHROPIC_API_KEY=${placeholderFor("ANTHROPIC_API_KEY")}`]);
  assert.ok(!plan.placeholders.join().includes("sk-real"));
});

Deno.test("planCredentials() reads a Bearer key from its second variable and derives the header value", () => {
  const plan = planCredentials(CODEX, env({ CODEX_API_KEY: "sk-codex" }), []);
  assert.deepEqual(plan.secrets, ["OPENAI_API_KEY=env:CODEX_API_KEY"]);
  assert.deepEqual(plan.derived, [{
    name: "OPENAI_API_KEY_HEADER",
    from: "OPENAI_API_KEY",
    prefix: "Bearer ",
  }]);
  assert.equal(plan.injections[0]?.secret, "OPENAI_API_KEY_HEADER");
  assert.equal(plan.injections[0]?.header, "Authorization");
  assert.deepEqual(plan.placeholders, [`OPENAI_API_KEY=${placeholderFor("OPENAI_API_KEY")}`]);
});

Deno.test("planCredentials() prefers --secret over the environment and keeps other secrets", () => {
  const plan = planCredentials(
    CLAUDE,
    env({ ANTHROPIC_API_KEY: "from-env" }),
    ["ANTHROPIC_API_KEY=file:/run/key", "GITHUB_TOKEN=env:GH"],
  );
  assert.deepEqual(plan.secrets, ["ANTHROPIC_API_KEY=file:/run/key", "GITHUB_TOKEN=env:GH"]);
  assert.equal(plan.injections[0]?.source, "--secret ANTHROPIC_API_KEY");
});

Deno.test("planCredentials() finds nothing when the variable is unset or empty", () => {
  const plan = planCredentials(CLAUDE, env({ ANTHROPIC_API_KEY: "" }), []);
  assert.deepEqual(plan, { secrets: [], derived: [], injections: [], placeholders: [] });
});

Deno.test("chooseHomeMode() is the flag, else none with a key, else the preset's default", () => {
  const keyed = planCredentials(CLAUDE, env({ ANTHROPIC_API_KEY: "k-1234" }), []);
  const bare = planCredentials(CLAUDE, env({}), []);
  assert.equal(chooseHomeMode(CLAUDE, "copy", keyed), "copy");
  assert.equal(chooseHomeMode(CLAUDE, undefined, keyed), "none");
  assert.equal(chooseHomeMode(CLAUDE, undefined, bare), CLAUDE.loginHome);
});

Deno.test("noCredentialsMessage() is one line naming the key and the login files", () => {
  const line = noCredentialsMessage(CLAUDE, "/home/u");
  assert.ok(!line.includes("\n"));
  assert.match(line, /ANTHROPIC_API_KEY/);
  assert.match(line, /~\/\.claude\.json/);
  assert.match(line, /--agent-home/);
});
