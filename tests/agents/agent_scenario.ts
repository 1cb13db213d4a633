/**
 * One scripted run of an agent under leash: the test CA, the fake API(s) on host loopback
 * addresses, the name pins, the launch, and what came out (leash's result, every request the
 * fakes received, the session's events and files) for the assertions.
 */
import { join } from "node:path";
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
import { launchAgent } from "./launch.ts";

/** The placeholder the container sees instead of the key. */
export const PLACEHOLDER = "placeholder-not-the-key";

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

/** Runs `spec`'s agent on `image` through its script. */
export async function runScenario(spec: AgentSpec, image: string): Promise<Scenario> {
  const box = await sandbox();
  const fakes: FakeApi[] = [];
  try {
    const ca = await createCa({ commonName: "leash agent tier upstream CA" });
    const caFile = join(box.root, "upstream-ca.pem");
    await Deno.writeTextFile(caFile, ca.certPem);
    const actions = scriptedActions(spec.keyVar);
    for (const fake of spec.fakes) {
      fakes.push(await startFakeApi(fake.host, ca, fake.handler(actions)));
    }
    const realKey = `REAL-${spec.name}-key-${crypto.randomUUID()}`;
    // A session that waits for input nobody gives is ended, and the test then fails on it.
    const signal = AbortSignal.timeout(600_000);
    const result = await launchAgent(spec.name, {
      box,
      image,
      policies: spec.policies,
      secrets: { [spec.secret.name]: spec.secret.value(realKey) },
      placeholder: PLACEHOLDER,
      env: spec.env,
      leashEnv: {
        LEASH_UPSTREAM_CA: caFile,
        LEASH_UPSTREAM_HOSTS: fakes.map((f) => `${f.name}=${f.address}`).join(","),
      },
      command: spec.command(PROMPT),
      signal,
    });
    const events = result.session === undefined ? [] : await sessionEvents(box, result.session);
    const dir = result.session === undefined ? box.root : sessionDir(box, result.session);
    return {
      box,
      spec,
      actions,
      realKey,
      result,
      fakes,
      events,
      sessionDir: dir,
      async [Symbol.asyncDispose]() {
        for (const fake of fakes) await fake.close();
        await box[Symbol.asyncDispose]();
      },
    };
  } catch (error) {
    for (const fake of fakes) await fake.close();
    await box[Symbol.asyncDispose]();
    throw error;
  }
}
