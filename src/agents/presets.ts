/** The agent presets, looked up by name. */
import { CLAUDE } from "./claude.ts";
import { CODEX } from "./codex.ts";
import { GEMINI } from "./gemini.ts";
import { OPENCODE } from "./opencode.ts";
import type { AgentPreset } from "./preset.ts";

/** Every preset, in the order `leash agents` lists them. */
export const PRESETS: readonly AgentPreset[] = [CLAUDE, CODEX, GEMINI, OPENCODE];

/** The preset called `name`, or undefined. */
export function findPreset(name: string): AgentPreset | undefined {
  return PRESETS.find((p) => p.name === name);
}

/** The names of the presets. */
export function presetNames(): string[] {
  return PRESETS.map((p) => p.name);
}
