/**
 * Claude Code interactive on a real pseudo terminal under leash (tests/e2e/_pty.ts): raw mode
 * while it runs, a window resize it redraws for, a typed prompt it submits, the scripted tool
 * turns against the fake Anthropic API, and Ctrl-C reaching Claude (its own "press again"
 * prompt, then a clean exit whose status is leash's) with the terminal's modes restored.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DockerClient } from "../../src/docker/mod.ts";
import { LFLAG, Pty, type TermModes } from "../e2e/_pty.ts";
import { assertNoContainers, sessionOf } from "../e2e/_session.ts";
import { FINAL_TEXT, WORKSPACE_FILE, WORKSPACE_TEXT } from "./fake_api/mod.ts";
import {
  assertDenyEvents,
  assertKeyOnlyOnTheWire,
  assertNoKeyInFiles,
  assertToolResults,
} from "./agent_assert.ts";
import { placeholderOf, scenarioWorld, sessionOutcome } from "./agent_scenario.ts";
import { ensureAgentImage, presetOf } from "./image.ts";
import { CLAUDE } from "./agent_specs.ts";
import { agentLaunch } from "./launch.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Raw mode as leash sets it: no line editing, no echo, no signals from keys. */
function isRaw(m: TermModes): boolean {
  return (m.lflag & (LFLAG.ICANON | LFLAG.ECHO | LFLAG.ISIG)) === 0;
}

/** `text` on the screen: Claude's renderer moves the cursor between words instead of spaces. */
function onScreen(text: string): RegExp {
  const gap = "(?:\\s|\\x1b\\[[0-9;]*[A-Za-z])+";
  return new RegExp(text.split(" ").map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(gap));
}

Deno.test({
  name:
    "claude on a terminal under leash: raw mode, redraw on resize, a typed prompt runs the scripted tools, Ctrl-C reaches claude, modes restored",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  using docker = await DockerClient.connect();
  const image = await ensureAgentImage(docker, "claude");
  await using world = await scenarioWorld(CLAUDE, image);
  // Claude's first-run dialogs answered the way a user who set it up once has: onboarding
  // done, the placeholder key approved, the workspace trusted, bypass mode accepted.
  const config = join(world.box.root, "claude.json");
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      hasCompletedOnboarding: true,
      lastOnboardingVersion: presetOf("claude").package.version,
      theme: "dark",
      customApiKeyResponses: { approved: [placeholderOf(CLAUDE).slice(-20)], rejected: [] },
      bypassPermissionsModeAccepted: true,
      projects: { [world.box.workspace]: { hasTrustDialogAccepted: true, allowedTools: [] } },
    }),
  );
  const { args, env } = await agentLaunch("claude", {
    ...world.launch,
    extra: ["-v", `${config}:/root/.claude.json`],
    args: [],
  });
  await using pty = Pty.spawn([Deno.execPath(), "run", "--allow-all", "--quiet", MAIN, ...args], {
    cwd: world.box.workspace,
    env: { ...world.box.env, ...env },
    size: { rows: 30, columns: 80 },
  });
  await pty.waitFor(/❯/);
  await pty.waitForModes(isRaw, "raw mode (ICANON, ECHO and ISIG off)");
  // The input box's rules span the window: 80 columns now, 150 only after a redraw.
  await pty.waitFor(/─{80}/);
  assert.doesNotMatch(pty.output, /─{81}/);
  pty.resize({ rows: 30, columns: 150 });
  await pty.waitFor(/─{150}/);
  // Typed keys, then Enter on its own (a burst with CR would read as a paste).
  pty.write("scriptedturn");
  await pty.waitFor(/scriptedturn/);
  pty.write("\r");
  // Claude may fold the tool results into one line ("ran 4 shell commands"): what they said
  // is judged below from what it sent the API.
  await pty.waitFor(onScreen(FINAL_TEXT));
  // Ctrl-C is a key for claude in raw mode, not a signal for leash: claude asks for a second.
  pty.write("\x03");
  await pty.waitFor(/Press Ctrl-C again to exit/);
  pty.write("\x03");
  assert.equal(await pty.release(), 0, pty.output);
  assert.deepEqual(pty.modes(), pty.initialModes, "the terminal's modes are back");
  const session = sessionOf(pty.output);
  await assertNoContainers(docker, session);
  const result = { code: 0, stdout: pty.output, stderr: "", session };
  const s = { ...world, result, ...await sessionOutcome(world.box, result) };
  assertKeyOnlyOnTheWire(s);
  assertToolResults(s);
  assertDenyEvents(s);
  await assertNoKeyInFiles(s);
  assert.equal(
    await Deno.readTextFile(join(world.box.workspace, WORKSPACE_FILE)),
    `${WORKSPACE_TEXT}\n`,
  );
});
