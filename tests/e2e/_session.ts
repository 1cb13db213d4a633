/**
 * Harness of the `leash run` end-to-end tests: the real CLI (`deno run main.ts`) against the
 * real dockerd, with per-test XDG dirs, a workspace as cwd, and label queries that prove
 * no container of the session is left.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DockerClient } from "../../src/docker/mod.ts";
import { ensureBusyboxImage } from "../fixtures/busybox_image.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Per-test directories: a workspace (the cwd) and leash's XDG dirs. */
export interface Sandbox {
  root: string;
  workspace: string;
  env: Record<string, string>;
  /** Writes an executable script usable as LEASH_ENTRY_BINARY. */
  script(name: string, body: string): Promise<string>;
  [Symbol.asyncDispose](): Promise<void>;
}

let sharedData: string | undefined;

/** Creates a sandbox; the CA (XDG data dir) is shared by all tests of the run. */
export async function sandbox(): Promise<Sandbox> {
  // Short: the socket dir lives under it and unix socket paths are limited to 107 bytes.
  const root = await Deno.makeTempDir({ dir: "/tmp", prefix: "le2e-" });
  sharedData ??= await Deno.makeTempDir({ dir: "/tmp", prefix: "le2e-data-" });
  // Outside every directory the built-in policy grants (/tmp, /root, /home): only the
  // session's workspace rule makes it writable.
  const build = new URL("../../build/", import.meta.url).pathname;
  await Deno.mkdir(build, { recursive: true });
  const workspace = await Deno.makeTempDir({ dir: build, prefix: "e2e work space " });
  await Deno.mkdir(join(root, "run"), { mode: 0o700 });
  return {
    root,
    workspace,
    env: {
      XDG_STATE_HOME: join(root, "state"),
      XDG_DATA_HOME: sharedData,
      XDG_RUNTIME_DIR: join(root, "run"),
      NO_COLOR: "1",
    },
    async script(name, body) {
      const path = join(root, name);
      await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      return path;
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true }).catch(() => {});
      await Deno.remove(workspace, { recursive: true }).catch(() => {});
    },
  };
}

/** What one `leash` invocation printed and returned, and its session id. */
export interface LeashResult {
  code: number;
  stdout: string;
  stderr: string;
  session: string | undefined;
}

/** The session id leash printed on stderr. */
export function sessionOf(stderr: string): string | undefined {
  return /leash: session (\S+)/.exec(stderr)?.[1];
}

/** Runs `leash ARGS...` in the sandbox's workspace with stdin closed. */
export async function leash(
  box: Sandbox,
  args: string[],
  env: Record<string, string> = {},
): Promise<LeashResult> {
  const output = await spawnLeash(box, args, env).output();
  const decoder = new TextDecoder();
  const stderr = decoder.decode(output.stderr);
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr,
    session: sessionOf(stderr),
  };
}

/** The command that runs `leash ARGS...` in the sandbox (for tests that signal it). */
export function spawnLeash(
  box: Sandbox,
  args: string[],
  env: Record<string, string> = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", MAIN, ...args],
    cwd: box.workspace,
    env: { ...box.env, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Names of the containers still carrying `leash.session=<id>`. */
export async function sessionContainers(docker: DockerClient, id: string): Promise<string[]> {
  const list = await docker.containers.list({
    all: true,
    filters: { label: [`leash.session=${id}`] },
  });
  return list.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ""));
}

/** Asserts that nothing of session `id` remains in Docker. */
export async function assertNoContainers(
  docker: DockerClient,
  id: string | undefined,
): Promise<void> {
  assert.ok(id, "leash printed its session id");
  assert.deepEqual(await sessionContainers(docker, id), []);
}

/** Connects to dockerd and makes sure a fixture image exists (busybox unless told). */
export async function setup(
  ensureImage: (docker: DockerClient) => Promise<string> = ensureBusyboxImage,
): Promise<{ docker: DockerClient; image: string }> {
  const docker = await DockerClient.connect();
  return { docker, image: await ensureImage(docker) };
}

/** The session's own directory (logs, public dir) under the sandbox's state dir. */
export function sessionDir(box: Sandbox, session: string | undefined): string {
  assert.ok(session, "leash printed its session id");
  return join(box.env.XDG_STATE_HOME!, "leash", "sessions", session);
}

/** The events of a finished session, parsed: the rotated files (oldest first), then the live one. */
export async function sessionEvents(
  box: Sandbox,
  session: string | undefined,
): Promise<Record<string, unknown>[]> {
  const logs = join(sessionDir(box, session), "logs");
  const rotated: number[] = [];
  for await (const entry of Deno.readDir(logs)) {
    const n = /^events\.ndjson\.(\d+)$/.exec(entry.name)?.[1];
    if (n !== undefined) rotated.push(Number(n));
  }
  const files = [
    ...rotated.sort((a, b) => b - a).map((n) => `events.ndjson.${n}`),
    "events.ndjson",
  ];
  const events: Record<string, unknown>[] = [];
  for (const file of files) {
    const text = await Deno.readTextFile(join(logs, file));
    for (const line of text.split("\n")) if (line.trim() !== "") events.push(JSON.parse(line));
  }
  return events;
}

/** The text between `<<name` and `name>>` lines in a command's output. */
export function section(stdout: string, name: string): string {
  const start = stdout.indexOf(`<<${name}\n`);
  const end = stdout.indexOf(`\n${name}>>`, start);
  assert.ok(start >= 0 && end >= 0, `output has section ${name}:\n${stdout.slice(0, 3000)}`);
  return stdout.slice(start + name.length + 3, end);
}

/** Every regular file under `dir`, recursively. */
export async function* filesUnder(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* filesUnder(path);
    else if (entry.isFile) yield path;
  }
}
