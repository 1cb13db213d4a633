/** Claude Code (the real `@anthropic-ai/claude-code`) under leash against the fake Anthropic API. */
import { DockerClient } from "../../src/docker/mod.ts";
import { canListenOn443 } from "./fake_api/mod.ts";
import { CLAUDE } from "./agent_specs.ts";
import { runScenario } from "./agent_scenario.ts";
import { assertScenario } from "./agent_assert.ts";
import { ensureAgentImage } from "./image.ts";

const ignore = !canListenOn443();
if (ignore) {
  Deno.stderr.writeSync(new TextEncoder().encode(
    "agent tier: ignored: the fake APIs listen on port 443 of loopback addresses (run as root)\n",
  ));
}

Deno.test({
  name:
    "claude -p under leash: real key only on the wire, forbidden tools denied, workspace edit done",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  using docker = await DockerClient.connect();
  const image = await ensureAgentImage(docker, "claude");
  await using s = await runScenario(CLAUDE, image);
  await assertScenario(s);
});
