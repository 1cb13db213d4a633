/**
 * Why the manager could not reach a session socket, told at once (DESIGN.md §7): the manager's
 * own line ("Cannot connect to control socket ...", with the uid/gid it connected as) joined
 * with what the host sees of the socket and its directory (mode, owner), and the fix.
 */
import { basename, dirname, join } from "node:path";
import { BootError } from "../boot/mod.ts";

/** Where the session's socket dir is mounted in the manager (containers.ts). */
const MANAGER_SOCKET_DIR = "/leash-sock";

/** What the manager said when a connect to one of its sockets failed. */
export interface SocketFailure {
  /** "control", "proxy" or "dns". */
  kind: string;
  /** The socket's path inside the manager. */
  path: string;
  /** strerror text, e.g. "Permission denied". */
  reason: string;
  /** The filesystem ids the connect used, when the manager said. */
  as?: { uid: number; gid: number };
}

/** Mode and owner of a path on the host; undefined: it is not there. */
export type PathFacts = { mode: number; uid: number; gid: number } | undefined;

/** What the host sees: the socket, its directory, and its own user namespace. */
export interface SocketFacts {
  socket: PathFacts;
  dir: PathFacts;
  /** `/proc/self/uid_map` when leash runs in a user namespace (not the identity map). */
  uidMap?: string | undefined;
}

const LINE =
  /Cannot connect to (\w+) socket "([^"]+)": ([^\n(]+?)(?: \(as uid (\d+) gid (\d+)[;)][^\n]*)?$/m;

/** Finds the manager's "Cannot connect to ... socket" line in its log; undefined when absent. */
export function parseSocketFailure(log: string): SocketFailure | undefined {
  const m = LINE.exec(log);
  if (!m) return undefined;
  const [, kind = "", path = "", reason = "", uid, gid] = m;
  const failure: SocketFailure = { kind, path, reason: reason.trim() };
  if (uid !== undefined && gid !== undefined) failure.as = { uid: Number(uid), gid: Number(gid) };
  return failure;
}

/** The session's message for `failure`, from the host's view of the socket and its dir. */
export function socketUnreachable(
  failure: SocketFailure,
  hostSocket: string,
  facts: SocketFacts,
): BootError {
  const as = failure.as
    ? `; the manager connected as uid ${failure.as.uid} gid ${failure.as.gid}`
    : "";
  return new BootError(
    `Cannot start the session: the manager cannot connect to its ${failure.kind} socket "${hostSocket}": ${failure.reason} (socket ${
      describe(facts.socket)
    }, directory "${dirname(hostSocket)}" ${describe(facts.dir)})${as}; fix: ${
      fix(failure, facts)
    }`,
    "manager",
  );
}

/**
 * The manager's socket failure in `managerLog`, explained with the sockets under `socketDir`
 * on the host; undefined when the log holds no such failure.
 */
export async function diagnoseSocketFailure(
  managerLog: string,
  socketDir: string,
): Promise<BootError | undefined> {
  const failure = parseSocketFailure(managerLog);
  if (!failure) return undefined;
  const inside = failure.path.startsWith(`${MANAGER_SOCKET_DIR}/`);
  const hostSocket = inside ? join(socketDir, basename(failure.path)) : failure.path;
  return socketUnreachable(failure, hostSocket, {
    socket: await pathFacts(hostSocket),
    dir: await pathFacts(dirname(hostSocket)),
    uidMap: await userNamespaceMap(),
  });
}

/** This process's uid map when it is not the initial namespace's identity map. */
async function userNamespaceMap(): Promise<string | undefined> {
  try {
    const map = (await Deno.readTextFile("/proc/self/uid_map")).trim().replace(/\s+/g, " ");
    return map === "0 0 4294967295" ? undefined : map;
  } catch {
    return undefined;
  }
}

async function pathFacts(path: string): Promise<PathFacts> {
  try {
    const stat = await Deno.lstat(path);
    return { mode: (stat.mode ?? 0) & 0o7777, uid: stat.uid ?? -1, gid: stat.gid ?? -1 };
  } catch {
    return undefined;
  }
}

function describe(facts: PathFacts): string {
  if (!facts) return "missing";
  return `mode ${
    facts.mode.toString(8).padStart(4, "0")
  } owned by uid ${facts.uid} gid ${facts.gid}`;
}

function fix(failure: SocketFailure, { socket, dir, uidMap }: SocketFacts): string {
  if (!socket || !dir) {
    return "the socket vanished while the session started (a leash clean or another process removed it): start the session again";
  }
  // Missing first: in another mount namespace the ids do not matter.
  if (/No such file|timed out/i.test(failure.reason)) {
    return "the engine does not see this directory (a private /tmp such as systemd's PrivateTmp, a sandbox, or an engine on another machine): set XDG_RUNTIME_DIR to a directory the engine shares with you";
  }
  if (uidMap) {
    const [inside, outside] = uidMap.split(" ");
    return `leash runs in a user namespace (uid_map "${uidMap}": uid ${inside} here is uid ${outside} to the engine), so the manager cannot tell who owns the sockets: run leash outside the user namespace, as yourself`;
  }
  if ((dir.mode & 0o100) === 0 || (socket.mode & 0o200) === 0) {
    return "the owner needs search on the directory and write on the socket (leash makes them 0700 and 0600, so something changed them while the session started): start the session again";
  }
  if (failure.as && (failure.as.uid !== socket.uid || failure.as.uid !== dir.uid)) {
    return `the manager must connect as their owner, uid ${socket.uid}, and could not switch to it (CAP_SETUID and CAP_SETGID refused by the engine?): run leash as the owner with a Docker Engine that grants the manager those capabilities`;
  }
  return "the engine remaps container users (Docker with userns-remap, or rootless Docker) or a security module (AppArmor, SELinux) refuses the connect: use a rootful Docker Engine without userns-remap (rootless and remote engines are not supported yet)";
}
