/**
 * The workspace on an engine that cannot see this machine's files (docs/remote_engines.md
 * §2): the working directory is copied, at start, into a per-session volume mounted at the
 * same path in the target. It is a copy: what the command changes stays on the engine and
 * goes with the session's volume at teardown; nothing is copied back (the target's files are
 * untrusted input to the host).
 */
import { join } from "node:path";
import type { TarEntry } from "../docker/mod.ts";

/** Largest workspace copied, in bytes of file content. */
export const WORKSPACE_MAX_BYTES = 256 * 1024 * 1024;

/** What was copied. */
export interface WorkspaceCopy {
  entries: TarEntry[];
  files: number;
  bytes: number;
}

/**
 * The tar entries of `dir` under `prefix` (its root entry carries the dir's owner and mode, so
 * the volume's root becomes the user's). Regular files, dirs and symlinks keep their owner and
 * mode; sockets, FIFOs and devices are left out. Throws `RangeError` with the fix past
 * {@linkcode WORKSPACE_MAX_BYTES}.
 */
export async function workspaceEntries(dir: string, prefix: string): Promise<WorkspaceCopy> {
  const copy: WorkspaceCopy = { entries: [], files: 0, bytes: 0 };
  const root = await Deno.stat(dir);
  copy.entries.push(entryOf(`${prefix}/`, root, "directory"));
  await walk(dir, prefix, copy);
  return copy;
}

async function walk(dir: string, prefix: string, copy: WorkspaceCopy): Promise<void> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  names.sort();
  for (const name of names) {
    const path = join(dir, name);
    const info = await Deno.lstat(path);
    const inside = `${prefix}/${name}`;
    if (info.isSymlink) {
      copy.entries.push({
        ...entryOf(inside, info, "symlink"),
        linkTarget: await Deno.readLink(path),
      });
    } else if (info.isDirectory) {
      copy.entries.push(entryOf(`${inside}/`, info, "directory"));
      await walk(path, inside, copy);
    } else if (info.isFile) {
      copy.bytes += info.size;
      if (copy.bytes > WORKSPACE_MAX_BYTES) {
        throw new RangeError(
          `Cannot copy the workspace "${dir}" to the engine: over ${
            WORKSPACE_MAX_BYTES >> 20
          } MiB; run leash from a smaller directory, or keep the work on the engine in a named volume (-v NAME:/path --workdir /path)`,
        );
      }
      copy.files++;
      copy.entries.push({ ...entryOf(inside, info, "file"), data: await Deno.readFile(path) });
    }
  }
}

function entryOf(
  path: string,
  info: Deno.FileInfo,
  type: NonNullable<TarEntry["type"]>,
): TarEntry {
  return {
    path,
    type,
    mode: (info.mode ?? 0o755) & 0o7777,
    uid: info.uid ?? 0,
    gid: info.gid ?? 0,
    mtime: Math.floor((info.mtime?.getTime() ?? 0) / 1000),
  };
}

/**
 * Refuses `-v` mounts of host paths on such an engine (they would mount the engine's path of
 * the same name, not this machine's); named volumes are fine.
 */
export function refuseHostBinds(volumes: readonly string[]): void {
  for (const volume of volumes) {
    const source = volume.split(":")[0] ?? "";
    if (source.startsWith("/") || source.startsWith(".") || source.startsWith("~")) {
      throw new TypeError(
        `Cannot mount "${volume}": the engine cannot see this machine's files; use a named volume on the engine instead (docker volume create NAME, then -v NAME:${
          volume.split(":")[1] ?? "/path"
        })`,
      );
    }
  }
}
