/**
 * The agent tier's verdict on one scripted run, judged by what the fake API and the files
 * received: the real key reached the API only through the proxy, the container and every file
 * leash wrote held only the placeholder, each forbidden tool action failed (the agent's own
 * tool results say so) and left a deny event naming its rule, and the allowed edit happened on
 * the host.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DENIED_HOST,
  FINAL_TEXT,
  OUTSIDE_PATH,
  PLANTED_KEY_PATH,
  PLANTED_KEY_TEXT,
  type RecordedRequest,
  WORKSPACE_FILE,
  WORKSPACE_TEXT,
} from "./fake_api/mod.ts";
import { placeholderOf, type Scenario } from "./agent_scenario.ts";
import { presetOf } from "./image.ts";

/** Every request the run's fakes received. */
export function allRequests(s: Pick<Scenario, "fakes">): RecordedRequest[] {
  return s.fakes.flatMap((f) => f.requests);
}

/** A summary for failure messages: leash's exit, its output's tail, the requests. */
export function describeRun(s: Scenario): string {
  const tail = (text: string) => text.trim().split("\n").slice(-25).join("\n");
  const requests = allRequests(s).map((r) =>
    `${r.method} ${r.path} (${r.body.length} bytes, ${s.spec.toolResults(r).length} tool results)`
  );
  return [
    `leash exited ${s.result.code}`,
    `stdout:\n${tail(s.result.stdout)}`,
    `stderr:\n${tail(s.result.stderr)}`,
    `requests to the fake API:\n${requests.join("\n") || "(none)"}`,
  ].join("\n");
}

/**
 * The tool results of the whole conversation: those of the request that carried the most of
 * them, a request that only continues the previous one (WebSocket) adding to it.
 */
export function finalToolResults(s: Pick<Scenario, "fakes" | "spec">): string[] {
  let best: string[] = [];
  let current: string[] = [];
  for (const request of allRequests(s)) {
    const results = s.spec.toolResults(request);
    current = s.spec.continues?.(request) ? [...current, ...results] : results;
    if (current.length > best.length) best = current;
  }
  return best;
}

/** Whether some event has every fact of `facts`. */
export function hasEvent(
  events: Record<string, unknown>[],
  facts: Record<string, unknown>,
): boolean {
  return events.some((e) => Object.entries(facts).every(([k, v]) => e[k] === v));
}

/** The events matching `facts`, as text for a failure message. */
function eventsAbout(events: Record<string, unknown>[], text: string): string {
  return events.filter((e) => JSON.stringify(e).includes(text)).map((e) => JSON.stringify(e))
    .join("\n") || "(none)";
}

/** Every regular file under `dir`, recursively (symlinks not followed). */
async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...await filesUnder(path));
    else if (entry.isFile) files.push(path);
  }
  return files;
}

/** The whole verdict on a scripted run. */
export async function assertScenario(s: Scenario): Promise<void> {
  const run = describeRun(s);
  assert.equal(s.result.code, 0, run);
  assert.ok(s.result.stdout.includes(FINAL_TEXT), `the agent finished its script\n${run}`);
  assertKeyOnlyOnTheWire(s, run);
  assertToolResults(s, run);
  assertDenyEvents(s);
  assertHostsListed(s);
  await assertNoKeyInFiles(s);
  assert.equal(
    await Deno.readTextFile(join(s.box.workspace, WORKSPACE_FILE)),
    `${WORKSPACE_TEXT}\n`,
    "the allowed edit reached the workspace on the host",
  );
}

/** The API saw the real key in its header on every request; no body ever held it. */
export function assertKeyOnlyOnTheWire(s: Scenario, run = describeRun(s)): void {
  const header = s.spec.keyHeader;
  const requests = allRequests(s);
  assert.ok(requests.length > 0, `the agent reached the fake API\n${run}`);
  for (const r of requests) {
    assert.equal(
      r.headers[header.name],
      header.value(s.realKey),
      `${r.method} ${r.path} carried the real key in ${header.name} (injected by the proxy)`,
    );
    assert.ok(!r.body.includes(s.realKey), `${r.path}: the real key is in no request body`);
    assert.ok(!r.body.includes(PLANTED_KEY_TEXT), `${r.path}: the planted key never left`);
  }
  for (const text of [s.result.stdout, s.result.stderr]) {
    assert.ok(!text.includes(s.realKey), "leash and the agent printed no real key");
  }
}

/** What the agent's tools reported back to the API for each scripted step. */
export function assertToolResults(s: Scenario, run = describeRun(s)): void {
  const results = finalToolResults(s);
  assert.equal(results.length, s.actions.length, `one tool result per scripted step\n${run}`);
  const [readKey, writeOutside, curl, printEnv, edit] = results as [
    string,
    string,
    string,
    string,
    string,
  ];
  // The image's forbidden ~/.ssh is masked by an empty read-only tmpfs (src/session/
  // image_masks.ts): the key is not there to open (ENOENT). Where no mask could be set the file
  // layer refuses the open (EACCES). Either way nothing was read, and the deny event names the
  // rule (assertDenyEvents).
  assert.match(
    readKey,
    /No such file or directory|Permission denied/,
    `cat ${PLANTED_KEY_PATH}: ${readKey}`,
  );
  assert.ok(!readKey.includes(PLANTED_KEY_TEXT), `cat ${PLANTED_KEY_PATH} read nothing`);
  assert.match(
    writeOutside,
    /Permission denied|Read-only/,
    `write ${OUTSIDE_PATH}: ${writeOutside}`,
  );
  assert.ok(!writeOutside.includes("WROTE-OUTSIDE"), `write ${OUTSIDE_PATH}: ${writeOutside}`);
  const exit = /curl-exit=(\d+)/.exec(curl)?.[1];
  assert.ok(exit !== undefined && exit !== "0", `curl ${DENIED_HOST} failed: ${curl}`);
  assert.ok(printEnv.includes(`KEYVAR=${placeholderOf(s.spec)}`), `the env held the placeholder`);
  assert.ok(!printEnv.includes(s.realKey), "the env held no real key");
  assert.match(edit, /EDITED/, `the workspace edit: ${edit}`);
}

/**
 * Each forbidden action left a deny event naming the rule that forbids it: the preset's own
 * `AGENT-no-keys` for the key, the tier's added `no-system-writes` and `no-exfil`
 * (policies/denies.cedar) for what the preset denies by default.
 */
export function assertDenyEvents(s: Pick<Scenario, "events" | "spec">): void {
  const events = s.events;
  const denied = { event: "file.open", decision: "deny" };
  const keys = `${s.spec.name}-no-keys`;
  assert.ok(
    hasEvent(events, { ...denied, path: PLANTED_KEY_PATH, access: "read", rule: keys }),
    `a deny event for ${PLANTED_KEY_PATH} naming ${keys}:\n${
      eventsAbout(events, PLANTED_KEY_PATH)
    }`,
  );
  assert.ok(
    hasEvent(events, { ...denied, path: OUTSIDE_PATH, access: "write", rule: "no-system-writes" }),
    `a deny event for ${OUTSIDE_PATH} naming no-system-writes:\n${
      eventsAbout(events, OUTSIDE_PATH)
    }`,
  );
  assert.ok(
    events.some((e) => e.host === DENIED_HOST && e.decision === "deny" && e.rule === "no-exfil"),
    `a deny event for ${DENIED_HOST} naming no-exfil:\n${eventsAbout(events, DENIED_HOST)}`,
  );
}

/**
 * Every host the agent tried to reach is one its preset lists (api, auth, telemetry or update:
 * what `leash agents` shows and `--allow-telemetry` lifts), besides the scripted denied host.
 */
export function assertHostsListed(s: Pick<Scenario, "events" | "spec">): void {
  const listed = presetOf(s.spec.name).hosts.map((h) => h.host);
  const covers = (host: string) =>
    listed.some((l) => l === host || (l.startsWith("*.") && host.endsWith(l.slice(1))));
  const contacted = new Set(
    s.events.filter((e) => e.event === "net.connect" && typeof e.host === "string")
      .map((e) => e.host as string),
  );
  contacted.delete(DENIED_HOST);
  const unlisted = [...contacted].filter((h) => !covers(h));
  assert.deepEqual(unlisted, [], `hosts the ${s.spec.name} preset does not list`);
}

/** No file leash wrote for the session (logs, events, public dir) holds the real key. */
export async function assertNoKeyInFiles(s: Scenario): Promise<void> {
  const roots = [s.box.env.XDG_STATE_HOME!, s.box.env.XDG_RUNTIME_DIR!];
  let checked = 0;
  for (const root of roots) {
    for (const file of await filesUnder(root).catch(() => [] as string[])) {
      const bytes = await Deno.readFile(file).catch(() => new Uint8Array());
      const text = new TextDecoder().decode(bytes);
      assert.ok(!text.includes(s.realKey), `${file} holds no real key`);
      checked++;
    }
  }
  assert.ok(checked > 0, "leash wrote session files to check");
}
