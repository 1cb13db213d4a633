/**
 * Forbids on exec paths the kernel never sees (issue 10 class 4). An exec is judged by the file
 * it runs, after every symlink is resolved, so `forbid ProcessExec File::"/bin/wget"` does
 * nothing when `/bin/wget` is a busybox applet link to `/bin/busybox`, which the policy lets
 * execute; and a file with several hard links (a multi-call binary installed as links) runs
 * under any of its names. At session start the policy's exec forbids are resolved in the
 * target's own filesystem and each that cannot hold is reported, naming the file it resolves to.
 */
import type { ContainerPathStat } from "../docker/mod.ts";
import { fileDecisions, normaliseRequestPath, type PolicyIr } from "../policy/mod.ts";

/** What the check needs of the target's filesystem (its root seen from the host, or a fake). */
export interface ExecFs {
  /** Kind and link count of `path`, not following a final symlink; undefined when missing. */
  lstat(path: string): Promise<{ kind: "dir" | "file" | "symlink"; nlink: number } | undefined>;
  /** The target of symlink `path` as stored. */
  readLink(path: string): Promise<string | undefined>;
}

const MAX_HOPS = 40;

/** `path` with every symlink resolved in `fs`; undefined when a component is missing or loops. */
export async function resolveIn(fs: ExecFs, path: string): Promise<string | undefined> {
  let parts = path.split("/").filter((p) => p !== "");
  let done: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const name = parts.shift()!;
    if (name === ".") continue;
    if (name === "..") {
      done.pop();
      continue;
    }
    const current = `/${[...done, name].join("/")}`;
    const info = await fs.lstat(current);
    if (!info) return undefined;
    if (info.kind !== "symlink") {
      done.push(name);
      continue;
    }
    const link = await fs.readLink(current);
    if (link === undefined || ++hops > MAX_HOPS) return undefined;
    if (link.startsWith("/")) done = [];
    parts = [...link.split("/").filter((p) => p !== ""), ...parts];
  }
  return `/${done.join("/")}`;
}

/** Warnings for the exec forbids of `ir` that do not hold in `fs`. */
export async function execLinkWarnings(ir: PolicyIr, fs: ExecFs): Promise<string[]> {
  const warnings: string[] = [];
  for (const entry of ir.file.entries) {
    const exec = entry.exec;
    if (exec.decision !== "deny" || exec.rules.length === 0) continue;
    const path = entry.kind === "dir" && entry.path !== "/" ? entry.path.slice(0, -1) : entry.path;
    const rules = exec.rules.map((r) => `"${r}"`).join(", ");
    const resolved = await resolveIn(fs, path);
    if (resolved === undefined) continue;
    const info = await fs.lstat(resolved);
    if (resolved !== normaliseRequestPath(path)) {
      if (fileDecisions(ir, resolved).exec.decision !== "allow") continue;
      const multi = info?.kind === "file" && baseName(resolved) !== baseName(path)
        ? `; if "${resolved}" is a multi-call binary (busybox), forbidding it forbids every program it provides`
        : "";
      warnings.push(
        `forbid ${rules} on ProcessExec names "${path}", which resolves to "${resolved}": exec runs "${resolved}", which the policy lets execute, so the forbid does not hold${multi}`,
      );
    } else if (entry.kind === "file" && info?.kind === "file" && info.nlink > 1) {
      warnings.push(
        `forbid ${rules} on ProcessExec names "${path}", one of ${info.nlink} hard links to the same file (a multi-call binary?): exec under another name is judged by that name, so the forbid may not hold`,
      );
    }
  }
  return warnings;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** An ExecFs over the directory `root` (the target's `/proc/<pid>/root` on the host). */
export function rootExecFs(root: string): ExecFs {
  const at = (path: string) => `${root}${path}`;
  return {
    async lstat(path) {
      try {
        const info = await Deno.lstat(at(path));
        const kind = info.isSymlink ? "symlink" : info.isDirectory ? "dir" : "file";
        return { kind, nlink: info.nlink ?? 1 };
      } catch {
        return undefined;
      }
    },
    async readLink(path) {
      try {
        return await Deno.readLink(at(path));
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * An ExecFs through the engine's path stat (`stat`: `containers.statPath` of the target), for a
 * host that cannot read the target's root (a user of the docker group). The engine does not
 * say how many hard links a file has, so that warning needs the host's view (root).
 */
export function engineExecFs(
  stat: (path: string) => Promise<ContainerPathStat | undefined>,
): ExecFs {
  const get = (path: string) => stat(path).catch(() => undefined);
  return {
    async lstat(path) {
      const info = await get(path);
      return info && { kind: info.kind, nlink: 1 };
    },
    async readLink(path) {
      const info = await get(path);
      return info?.kind === "symlink" && info.linkTarget !== "" ? info.linkTarget : undefined;
    },
  };
}
