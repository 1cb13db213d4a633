/**
 * The adversarial tier (issue 9; containment rows of issue 10): attempts by an agent inside real
 * `leash run` sessions (Debian image with curl and node, the real manager, relay and host proxy),
 * each judged by an observable outcome — the witness on every host address, the logging
 * upstreams, the agent's own output, the files leash wrote — and denials by an event naming the
 * rule. All attempts of a session run in one `leash run`; each is its own test here, named
 * `adversarial: CLASS: NAME`. Attempts whose fix has not landed fail, and say what got through.
 * `LEASH_ADV_DUMP=FILE` writes every attempt's output there.
 * `LEASH_ADV_KEEP=DIR` keeps each session's dir there (manager.log, events.ndjson).
 */
import assert from "node:assert/strict";
import { ensureDebianImage } from "../fixtures/debian_image.ts";
import { note } from "../kernel/note.ts";
import { setup } from "../e2e/_session.ts";
import type { Attempt, Outcome, SessionKind } from "./_attempt.ts";
import { allAttempts } from "./attempts.ts";
import { SESSIONS } from "./_sessions.ts";
import { runSession, type SessionRun, startServers } from "./_world.ts";

/** The sessions' results, or why they could not run (every attempt then fails with it). */
async function runAll(): Promise<
  { attempts: Attempt[]; runs: Map<SessionKind, SessionRun> } | { error: unknown }
> {
  try {
    const { docker, image } = await setup(ensureDebianImage);
    docker.close();
    const servers = await startServers();
    try {
      const attempts = allAttempts(servers.plan);
      const secret = `lk-adv-${crypto.randomUUID()}`;
      const runnable = attempts.filter((a) => !a.ignore);
      const kinds = Object.keys(SESSIONS) as SessionKind[];
      const started = performance.now();
      const results = await Promise.all(
        kinds.map((k) =>
          runSession(k, runnable.filter((a) => a.session === k), { image, servers, secret })
        ),
      );
      note(
        `adversarial: ${runnable.length} attempts in ${kinds.length} sessions, ${
          ((performance.now() - started) / 1000).toFixed(1)
        } s`,
      );
      const dump = Deno.env.get("LEASH_ADV_DUMP");
      if (dump) {
        const lines = results.flatMap((r) => {
          const kinds = new Map<string, number>();
          for (const e of r.outcomes.values().next().value?.events ?? []) {
            const k = `${e.event} ${e.layer} ${e.decision}`;
            kinds.set(k, (kinds.get(k) ?? 0) + 1);
          }
          return [
            `=== events of session ${r.result.session}\n${JSON.stringify([...kinds], null, 1)}`,
            ...[...r.outcomes].map(([name, o]) => `=== ${name}\n${o.out}`),
          ];
        });
        await Deno.writeTextFile(dump, lines.join("\n"));
      }
      return { attempts, runs: new Map(kinds.map((k, i) => [k, results[i]!])) };
    } finally {
      await servers.close();
    }
  } catch (error) {
    return { error };
  }
}

const world = await runAll();

if ("error" in world) {
  Deno.test("adversarial: the sessions ran", () => {
    throw world.error;
  });
} else {
  for (const a of world.attempts) {
    Deno.test({
      name: `adversarial: ${a.class}: ${a.name}`,
      ignore: a.ignore !== undefined,
      fn() {
        const run = world.runs.get(a.session)!;
        const outcome: Outcome | undefined = run.outcomes.get(a.name);
        if (!outcome) {
          throw new Error(
            `Attempt "${a.name}" printed no result: the ${a.session} session exited ${run.result.code}:\n${
              run.result.stderr.slice(-3000)
            }`,
          );
        }
        a.judge(outcome);
      },
    });
    if (a.ignore) note(`skip (adversarial ${a.name}): ${a.ignore}`);
  }
  Deno.test("adversarial: witness: nothing from either session reached any address of the host", () => {
    const { witness } = world.runs.get("net")!.outcomes.values().next().value!;
    assert.deepEqual(
      witness.records.map((r) => `${r.proto} ${r.address}:${r.port} ${JSON.stringify(r.data)}`),
      [],
    );
  });
}
