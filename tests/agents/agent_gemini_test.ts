/** Gemini CLI (the real `@google/gemini-cli`) under leash against the fake Gemini API. */
import { GEMINI } from "./agent_specs.ts";
import { agentTest } from "./agent_test_case.ts";

agentTest(
  "gemini -p under leash: the real key only on the wire, forbidden tool actions denied with their rules, the workspace edit done",
  GEMINI,
);
