/**
 * The one test each agent file declares: build (or find) the agent's image, run the scripted
 * session under leash, judge it. Ignored, with the reason printed, where the fakes cannot
 * listen on port 443.
 */
import { DockerClient } from "../../src/docker/mod.ts";
import { canListenOn443 } from "./fake_api/mod.ts";
import { assertScenario } from "./agent_assert.ts";
import { runScenario, type Scenario } from "./agent_scenario.ts";
import type { AgentSpec } from "./agent_specs.ts";
import { ensureAgentImage } from "./image.ts";

/** Why the tier's tests cannot run here, or undefined (printed once when set). */
export const ignoreReason = canListenOn443()
  ? undefined
  : "the fake APIs listen on port 443 of loopback addresses, so the agents keep their real API URLs: run the tier as root";
if (ignoreReason !== undefined) {
  Deno.stderr.writeSync(new TextEncoder().encode(`agents tier: ignored: ${ignoreReason}\n`));
}

/** Declares `spec`'s test under `name`; `more` adds assertions on the run. */
export function agentTest(
  name: string,
  spec: AgentSpec,
  more: (s: Scenario) => void = () => {},
): void {
  Deno.test({
    name,
    ignore: ignoreReason !== undefined,
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
