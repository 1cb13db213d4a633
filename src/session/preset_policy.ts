/**
 * An agent preset's policy in a session (`leash claude`): the text the CLI composed from the
 * preset (src/agents/), with the working directory added read-write, compiled.
 */
import { compilePolicy } from "../policy/mod.ts";
import type { SessionPolicy } from "./prepare.ts";
import type { RunOptions } from "./run_options.ts";
import { withWorkspace } from "./workspace_policy.ts";

/** The session policy of `preset` in `cwd`; its label says the directory was added. */
export function presetSessionPolicy(
  preset: NonNullable<RunOptions["presetPolicy"]>,
  cwd: string,
): SessionPolicy {
  const text = withWorkspace(preset.text, cwd);
  const { ir } = compilePolicy(text, { file: preset.path ?? "preset.cedar" });
  return { ir, label: `${preset.label} (+ ${cwd} read-write)`, text, path: preset.path };
}
