/**
 * Which leash process owns a session: its pid (and start time, so a reused pid is not taken
 * for the owner) in the session dir's `pid` file. `leash clean` removes what dead owners left.
 */
import { join } from "node:path";
import { denoFs, type FsAdapter, writeFileAtomic } from "../fs/mod.ts";

/** The owner file's name in the session root. */
export const OWNER_FILE = "pid";

/** Reads a process's start time (field 22 of /proc/PID/stat); undefined when it is gone. */
export async function processStart(
  pid: number,
  fs: FsAdapter = denoFs,
): Promise<string | undefined> {
  try {
    const stat = await fs.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Records this process as the owner of the session at `root`. */
export async function writeOwner(root: string, pid: number = Deno.pid): Promise<void> {
  const start = (await processStart(pid)) ?? "";
  await writeFileAtomic(join(root, OWNER_FILE), `${pid} ${start}\n`, { mode: 0o600 });
}

/** Whether the process recorded in `root`'s owner file is still alive (false when absent). */
export async function ownerAlive(root: string, fs: FsAdapter = denoFs): Promise<boolean> {
  let text: string;
  try {
    text = await fs.readTextFile(join(root, OWNER_FILE));
  } catch {
    return false;
  }
  const [pidText = "", start = ""] = text.trim().split(" ");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid < 1) return false;
  const now = await processStart(pid, fs);
  return now !== undefined && (start === "" || now === start);
}
