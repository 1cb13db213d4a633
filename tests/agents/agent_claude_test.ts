/** Claude Code (the real `@anthropic-ai/claude-code`) under leash against the fake Anthropic API. */
import { CLAUDE } from "./agent_specs.ts";
import { agentTest } from "./agent_test_case.ts";

agentTest(
  "claude -p under leash: the real key only on the wire, forbidden tool actions denied with their rules, the workspace edit done",
  CLAUDE,
);
