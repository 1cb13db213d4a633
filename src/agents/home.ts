/**
 * `--agent-home mount|copy|none`: how the agent's login state (files under the host's home)
 * reaches the container's home. `mount` binds the host's files (what the agent changes, like
 * refreshed tokens, lands on the host), `copy` binds a private copy made for the session
 * (removed after it), `none` brings nothing.
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { ownedBy } from "./home_owner.ts";
import { type AgentHomeMode, type AgentPreset, CONTAINER_HOME } from "./preset.ts";

/** The agent's login state found on the host. */
export interface LoginState {
  /** Paths relative to the home that exist (dirs end in "/"). */
  present: string[];
  home: string;
}

/** Which of the preset's login-state paths exist under `home`. */
export async function findLoginState(preset: AgentPreset, home: string): Promise<LoginState> {
  const present: string[] = [];
  for (const rel of preset.loginState) {
    try {
      const info = await Deno.stat(join(home, rel));
      if (info.isDirectory === rel.endsWith("/")) present.push(rel);
    } catch {
      // Absent or unreadable: not login state leash can bring in.
    }
  }
  return { present, home };
}

/** The binds of an agent home, and how to remove a copy afterwards. */
export interface AgentHomeBinds {
  /** `-v SRC:DST` specs. */
  volumes: string[];
  /** Removes the session's copy (nothing for mount/none). */
  cleanup(): Promise<void>;
}

/**
 * What only root can do to what the agent (root in its container) left on the host, done
 * through the engine when leash is not root.
 */
export interface RootActions {
  /** Empties a copy leash cannot remove; the copy itself is then removed by leash. */
  empty(dir: string): Promise<void>;
  /** Makes the host user the owner of whatever root owns at or under `paths`. */
  giveBack(paths: string[]): Promise<void>;
}

/**
 * The binds for `mode`: the host's files themselves (`mount`), or copies in a private
 * directory under `scratch` (`copy`, mode 0700) bound as the container's whole home. A copy
 * leash cannot remove (EACCES) is emptied by `asRoot` first; after a `mount` session, what
 * root owns in the host's login state is given back to the user running leash (a non-root
 * user's own `~/.claude/` must stay theirs).
 */
export async function agentHomeBinds(
  mode: AgentHomeMode,
  state: LoginState,
  scratch: string,
  asRoot?: RootActions,
): Promise<AgentHomeBinds> {
  const none = { volumes: [], cleanup: async () => {} };
  if (mode === "none" || state.present.length === 0) return none;
  const target = (rel: string) => join(CONTAINER_HOME, rel.replace(/\/$/, ""));
  if (mode === "mount") {
    const sources = state.present.map((rel) => join(state.home, rel.replace(/\/$/, "")));
    return {
      volumes: sources.map((source, i) => `${source}:${target(state.present[i]!)}`),
      cleanup: async () => {
        if (asRoot === undefined || Deno.uid() === 0) return;
        if (await ownedBy(sources, 0)) await asRoot.giveBack(sources);
      },
    };
  }
  await Deno.mkdir(scratch, { recursive: true, mode: 0o700 });
  await removeStaleCopies(scratch);
  const dir = await mkdtemp(join(scratch, `home-${Deno.pid}-`));
  await Deno.chmod(dir, 0o700);
  const cleanup = async () => {
    try {
      await rm(dir, { recursive: true, force: true });
    } catch (error) {
      if (asRoot === undefined || (error as { code?: string }).code !== "EACCES") throw error;
      await asRoot.empty(dir);
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    for (const rel of state.present) {
      const path = rel.replace(/\/$/, "");
      await cp(join(state.home, path), join(dir, path), {
        recursive: true,
        preserveTimestamps: true,
      });
    }
    // The whole home is the copy: the agent renames files in it (atomic writes), which a
    // bind of one file would refuse.
    return { volumes: [`${dir}:${CONTAINER_HOME}`], cleanup };
  } catch (error) {
    await cleanup();
    throw new Error(`Cannot copy the agent's login state into "${dir}"`, { cause: error });
  }
}

/**
 * Removes the copies of sessions whose leash process is gone (killed before its cleanup ran):
 * login tokens must not pile up on disk. A copy is `home-<pid>-XXXXXX`; one whose pid still
 * runs is kept. Never throws.
 */
export async function removeStaleCopies(
  scratch: string,
  alive: (pid: number) => boolean = processAlive,
): Promise<void> {
  try {
    for await (const entry of Deno.readDir(scratch)) {
      const pid = /^home-(\d+)-/.exec(entry.name)?.[1];
      if (pid === undefined || alive(Number(pid))) continue;
      await rm(join(scratch, entry.name), { recursive: true, force: true });
    }
  } catch {
    // A copy left behind is removed by a later session; nothing to stop this one for.
  }
}

function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}
