/**
 * One scripted run of an agent under leash: the test CA, the fake API(s) on host loopback
 * addresses, the name pins, the launch, and what came out (leash's result, every request the
 * fakes received, the session's events and files) for the assertions.
 */
import { join } from "node:path";
import { placeholderFor } from "../../src/agents/mod.ts";
import { createCa } from "../../src/ca/mod.ts";
import type { LeashResult, Sandbox } from "../e2e/_session.ts";
import { sandbox, sessionDir, sessionEvents } from "../e2e/_session.ts";
import {
  type FakeApi,
  type ScriptedAction,
  scriptedActions,
  startFakeApi,
} from "./fake_api/mod.ts";
import type { AgentSpec } from "./agent_specs.ts";
import { PROMPT } from "./agent_specs.ts";
import { launchAgent, type LaunchOptions } from "./launch.ts";

/** The placeholder the container sees instead of `spec`'s key (the preset's). */
export function placeholderOf(spec: Pick<AgentSpec, "keyVar">): string {
  return placeholderFor(spec.keyVar);
}

/**
 * What the tier adds to each preset with `--policy` (policies/denies.cedar): forbids of what
 * the presets already deny by default, so their deny events name a rule.
 */
export const ADDED_POLICIES = ["denies.cedar"];

/** What a run left behind. */
export interface Scenario {
  box: Sandbox;
  spec: AgentSpec;
  actions: ScriptedAction[];
  /** The real key (leash's environment only). */
  realKey: string;
  result: LeashResult;
  fakes: FakeApi[];
  events: Record<string, unknown>[];
  /** The session's directory (logs, public dir). */
  sessionDir: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The world of one run before the agent starts: sandbox, fakes, key, launch options. */
export interface ScenarioWorld {
  box: Sandbox;
  spec: AgentSpec;
  actions: ScriptedAction[];
  realKey: string;
  fakes: FakeApi[];
  /** What `launchAgent`/`agentLaunch` take, without the agent's arguments. */
  launch: Omit<LaunchOptions, "args">;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Makes the sandbox, the test CA, the fakes (playing the script) and the launch options. */
export async function scenarioWorld(spec: AgentSpec, image: string): Promise<ScenarioWorld> {
  const box = await sandbox();
  const fakes: FakeApi[] = [];
  const dispose = async () => {
    for (const fake of fakes) await fake.close();
    await box[Symbol.asyncDispose]();
  };
  try {
    const ca = await createCa({ commonName: "leash agent tier upstream CA" });
    const caFile = join(box.root, "upstream-ca.pem");
    await Deno.writeTextFile(caFile, ca.certPem);
    const actions = scriptedActions(spec.keyVar);
    for (const fake of spec.fakes) {
      fakes.push(await startFakeApi(fake.host, ca, fake.handler(actions)));
    }
    const realKey = `REAL-${spec.name}-key-${crypto.randomUUID()}`;
    return {
      box,
      spec,
      actions,
      realKey,
      fakes,
      launch: {
        box,
        image,
        policies: ADDED_POLICIES,
        leashEnv: {
          [spec.keyVar]: realKey,
          LEASH_UPSTREAM_CA: caFile,
          LEASH_UPSTREAM_HOSTS: fakes.map((f) => f.pin).join(","),
        },
      },
      [Symbol.asyncDispose]: dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** What a finished session left: its events and directory. */
export async function sessionOutcome(
  box: Sandbox,
  result: LeashResult,
): Promise<Pick<Scenario, "events" | "sessionDir">> {
  return {
    events: result.session === undefined ? [] : await sessionEvents(box, result.session),
    sessionDir: result.session === undefined ? box.root : sessionDir(box, result.session),
  };
}

/** Runs `spec`'s agent on `image` through its script. */
export async function runScenario(spec: AgentSpec, image: string): Promise<Scenario> {
  const world = await scenarioWorld(spec, image);
  try {
    // A session that waits for input nobody gives is ended, and the test then fails on it.
    const signal = AbortSignal.timeout(600_000);
    const result = await launchAgent(spec.name, {
      ...world.launch,
      args: spec.args(PROMPT),
      signal,
    });
    return { ...world, result, ...await sessionOutcome(world.box, result) };
  } catch (error) {
    await world[Symbol.asyncDispose]();
    throw error;
  }
}
