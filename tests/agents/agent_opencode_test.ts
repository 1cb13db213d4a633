/** opencode (the real `opencode-ai`) under leash, its anthropic provider against the fake Anthropic API. */
import { OPENCODE } from "./agent_specs.ts";
import { agentTest } from "./agent_test_case.ts";

agentTest(
  "opencode run under leash: the real key only on the wire, forbidden tool actions denied with their rules, the workspace edit done",
  OPENCODE,
);
