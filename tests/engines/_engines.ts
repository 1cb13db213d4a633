/**
 * Harness of the engines tier (issue 12 parts 2 and 3): the real leash CLI against Podman
 * (rootful, as root) and against rootless Docker and rootless Podman (as the engines' own
 * non-root user), each engine started by scripts/lib/engines.sh on its own socket. The tier
 * passes where everything is:
 * - `LEASH_ENGINES_PODMAN`: the rootful Podman service's socket;
 * - `LEASH_ENGINES_USER`, `LEASH_ENGINES_CHECKOUT`: the rootless engines' user and a copy of the
 *   checkout (with its Deno) that user can read;
 * - `LEASH_ENGINES_ROOTLESS_DOCKER`, `LEASH_ENGINES_ROOTLESS_PODMAN`: that user's engines.
 */
import { join } from "node:path";
import { DockerClient } from "../../src/docker/mod.ts";
import { ensureBusyboxImage } from "../fixtures/busybox_image.ts";
import { note } from "../kernel/note.ts";

/** One engine under test. */
export interface Engine {
  /** Test names say this. */
  label: string;
  /** The `kind` `leash doctor` must report. */
  kind: "podman" | "rootless" | "podman-rootless";
  socket: string;
  /** Who runs leash: undefined is this process's user (root), else a user name. */
  user: string | undefined;
  /** Whether the engine is rootless (no kernel layers). */
  rootless: boolean;
}

/** The engines the tier started, or why one is missing (the test is then ignored with it). */
export function engines(): { engine: Engine | undefined; missing: string; label: string }[] {
  const env = (name: string) => Deno.env.get(name) ?? "";
  const user = env("LEASH_ENGINES_USER");
  const checkout = env("LEASH_ENGINES_CHECKOUT");
  const asUser = user !== "" && checkout !== "";
  const entry = (
    label: string,
    variable: string,
    kind: Engine["kind"],
    needsUser: boolean,
  ) => {
    const socket = env(variable);
    const missing = socket === ""
      ? `${variable} is not set: run this tier with scripts/test engines (scripts/lib/engines.sh starts the engine)`
      : needsUser && !asUser
      ? "LEASH_ENGINES_USER and LEASH_ENGINES_CHECKOUT are not set: run scripts/test engines"
      : "";
    const engine: Engine | undefined = missing === ""
      ? { label, kind, socket, user: needsUser ? user : undefined, rootless: needsUser }
      : undefined;
    if (missing !== "") note(`engines tier: ${label} not tested: ${missing}`);
    return { engine, missing, label };
  };
  return [
    entry("rootful Podman", "LEASH_ENGINES_PODMAN", "podman", false),
    entry("rootless Docker", "LEASH_ENGINES_ROOTLESS_DOCKER", "rootless", true),
    entry("rootless Podman", "LEASH_ENGINES_ROOTLESS_PODMAN", "podman-rootless", true),
  ];
}

/** A workspace and state dir for one run, owned by the engine's user. */
export interface Place {
  root: string;
  workspace: string;
  state: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Makes a place the engine's user owns (under its home for a user: a root /tmp dir may be private). */
export async function place(engine: Engine): Promise<Place> {
  const base = engine.user ? join(await home(engine.user), "engines-tier") : "/tmp";
  await Deno.mkdir(base, { recursive: true });
  const root = await Deno.makeTempDir({ dir: base, prefix: "le-" });
  const workspace = join(root, "ws");
  const state = join(root, "state");
  await Deno.mkdir(workspace);
  await Deno.mkdir(state);
  if (engine.user) {
    const { uid, gid } = await ids(engine.user);
    for (const dir of [base, root, workspace, state]) await Deno.chown(dir, uid, gid);
  }
  return {
    root,
    workspace,
    state,
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}

/** What one leash invocation printed and returned. */
export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `leash ARGS...` against the engine, as its user, in the place's workspace. */
export async function leash(
  engine: Engine,
  where: Place,
  args: string[],
  env: Record<string, string> = {},
): Promise<Result> {
  const vars: Record<string, string> = {
    DOCKER_HOST: `unix://${engine.socket}`,
    XDG_STATE_HOME: where.state,
    NO_COLOR: "1",
    ...env,
  };
  let command: Deno.Command;
  if (engine.user === undefined) {
    const main = new URL("../../main.ts", import.meta.url).pathname;
    command = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", main, ...args],
      cwd: where.workspace,
      env: { ...vars, XDG_RUNTIME_DIR: join(where.root, "run") },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    });
    await Deno.mkdir(join(where.root, "run"), { mode: 0o700, recursive: true });
  } else {
    const checkout = Deno.env.get("LEASH_ENGINES_CHECKOUT")!;
    const userHome = await home(engine.user);
    const { uid } = await ids(engine.user);
    const assignments = Object.entries({
      ...vars,
      HOME: userHome,
      USER: engine.user,
      LOGNAME: engine.user,
      XDG_RUNTIME_DIR: `/run/user/${uid}`,
      DENO_DIR: join(userHome, ".cache", "deno"),
    }).map(([k, v]) => `${k}=${v}`);
    const deno = join(checkout, ".tools", "node_modules", ".bin", "deno");
    command = new Deno.Command("runuser", {
      args: [
        "-u",
        engine.user,
        "--",
        "env",
        "-u",
        "XDG_DATA_HOME",
        "-u",
        "XDG_CONFIG_HOME",
        "-u",
        "XDG_CACHE_HOME",
        ...assignments,
        deno,
        "run",
        "--allow-all",
        "--quiet",
        join(checkout, "main.ts"),
        ...args,
      ],
      cwd: where.workspace,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    });
  }
  const output = await command.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** A client of the engine (as this process, root: it may use any user's socket). */
export async function client(engine: Engine): Promise<DockerClient> {
  return await DockerClient.connect({ host: `unix://${engine.socket}` });
}

/** Imports the busybox test image into the engine through leash's own client; its tag. */
export async function image(engine: Engine): Promise<string> {
  using docker = await client(engine);
  return await ensureBusyboxImage(docker);
}

/** The session id leash printed. */
export function sessionOf(stderr: string): string | undefined {
  return /leash: session (\S+)/.exec(stderr)?.[1];
}

async function home(user: string): Promise<string> {
  const line = (await Deno.readTextFile("/etc/passwd")).split("\n")
    .find((l) => l.startsWith(`${user}:`));
  const dir = line?.split(":")[5];
  if (!dir) throw new Error(`Cannot find user "${user}" in /etc/passwd`);
  return dir;
}

async function ids(user: string): Promise<{ uid: number; gid: number }> {
  const line = (await Deno.readTextFile("/etc/passwd")).split("\n")
    .find((l) => l.startsWith(`${user}:`));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(`Cannot find user "${user}" in /etc/passwd`);
  }
  return { uid: Number(uid), gid: Number(gid) };
}
