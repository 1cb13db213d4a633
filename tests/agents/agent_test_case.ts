/**
 * The one test each agent file declares: build (or find) the agent's image, run the scripted
 * session under leash, judge it.
 */
import { DockerClient } from "../../src/docker/mod.ts";
import { assertScenario } from "./agent_assert.ts";
import { runScenario, type Scenario } from "./agent_scenario.ts";
import type { AgentSpec } from "./agent_specs.ts";
import { ensureAgentImage } from "./image.ts";

/** Declares `spec`'s test under `name`; `more` adds assertions on the run. */
export function agentTest(
  name: string,
  spec: AgentSpec,
  more: (s: Scenario) => void = () => {},
): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
  }, async () => {
    using docker = await DockerClient.connect();
    const image = await ensureAgentImage(docker, spec.name);
    await using s = await runScenario(spec, image);
    await assertScenario(s);
    more(s);
  });
}
