/** Codex (the real `@openai/codex`) under leash against the fake OpenAI Responses API. */
import { CODEX } from "./agent_specs.ts";
import { agentTest } from "./agent_test_case.ts";

agentTest(
  "codex exec under leash: the real key only on the wire, forbidden tool actions denied with their rules, the workspace edit done",
  CODEX,
);
