/**
 * Masks over forbidden subtrees of the IMAGE's own filesystem that lie inside a directory the
 * policy grants (`permit Dir::"/root/"` + `forbid Dir::"/root/.ssh/"`). Landlock grants whole
 * hierarchies, so without a mask such a parent could only be granted child by child (existing
 * children only: nothing new could be created in it, and a host that cannot list the image's
 * directories, a docker-group user, could not grant it at all). With an empty read-only tmpfs
 * over a forbidden directory, `/dev/null` read-only over a forbidden file, the parent can be
 * granted whole (src/landlock/ruleset.ts, `masked`):
 *
 * - the forbidden content is not there to open, hard-link or reach through a symlink,
 *   `/proc/self/root` or any other path of the container (one mount namespace);
 * - the mountpoint cannot be renamed, removed or replaced (EBUSY), nothing can be created in
 *   the mask (EROFS), and the agent has no CAP_SYS_ADMIN to unmount it;
 * - a forbidden path that does not exist yet is masked too (Docker creates the mountpoint in
 *   the container's own layer) when its parent exists, so it cannot be created later;
 * - renaming an ancestor of the mountpoint would move the mask away and let the path be made
 *   anew: Landlock's write grant therefore stops at the mask's parent (ruleset.ts).
 *
 * Not masked (left to Landlock's enumeration, as before): forbids inside binds (masks.ts and
 * containment.ts handle those), forbids only for writing (Docker cannot bind an image path
 * over itself), paths under `/proc`, `/sys`, `/dev` and `/leash`, paths that are or lie beneath
 * a symlink in the image (the kernel judges the resolved path: warned), and missing paths
 * whose parent is missing too (Docker would create the parents as root's).
 *
 * Pure: the image's view comes in as a function (the engine's path stat of a created,
 * never-started container, so no root is needed on the host).
 */
import { dirCovers, fileDecisions, type IrFileEntry, type PolicyIr } from "../policy/mod.ts";
import type { MaskMount } from "./containment.ts";

/** What a path of the image is, without following a final symlink. */
export type ImageKind = "dir" | "file" | "symlink" | "missing";

/** Trees of the container that are not the image's (kernel filesystems, leash's own). */
export const NOT_IMAGE_DIRS: readonly string[] = ["/proc", "/sys", "/dev", "/leash"];

/** The masks and what they could not cover. */
export interface ImageMasks {
  mounts: MaskMount[];
  /** The masked paths (no trailing slash). */
  masked: string[];
  warnings: string[];
}

/** Input of {@linkcode decideImageMasks}. */
export interface ImageMasksInput {
  ir: PolicyIr;
  /** Where binds are mounted in the target (their subtrees are not the image's). */
  bindTargets: readonly string[];
  /** The kind of an image path (lstat); throws when it cannot tell. */
  imageKind: (path: string) => Promise<ImageKind>;
}

/** The forbidden image paths a mask may replace a Landlock carve-out for (no image access). */
export function maskCandidates(ir: PolicyIr, bindTargets: readonly string[]): IrFileEntry[] {
  const forbidden = (d: { decision: string; rules: string[] }) =>
    d.decision === "deny" && d.rules.length > 0;
  const under = (dir: string, path: string) => path === dir || dirCovers(`${dir}/`, path);
  const entries = [...ir.file.entries].sort((a, b) => entryPath(a).length - entryPath(b).length);
  const out: IrFileEntry[] = [];
  for (const entry of entries) {
    const path = entryPath(entry);
    if (path === "/" || !forbidden(entry.read) || !forbidden(entry.write)) continue;
    if (bindTargets.some((t) => under(t, path) || dirCovers(`${path}/`, t))) continue;
    if (NOT_IMAGE_DIRS.some((d) => under(d, path))) continue;
    if (out.some((m) => dirCovers(`${entryPath(m)}/`, path))) continue;
    // Only where Landlock would have to carve: the parent grants what the entry forbids.
    const parent = fileDecisions(ir, parentOf(path));
    if (parent.read.decision !== "allow" && parent.write.decision !== "allow") continue;
    out.push(entry);
  }
  return out;
}

/** Decides the image masks for `input`, looking up only the candidates' paths. */
export async function decideImageMasks(input: ImageMasksInput): Promise<ImageMasks> {
  const out: ImageMasks = { mounts: [], masked: [], warnings: [] };
  for (const entry of maskCandidates(input.ir, input.bindTargets)) {
    const path = entryPath(entry);
    let kind: ImageKind;
    let link: string | undefined;
    try {
      link = await symlinkAbove(path, input.imageKind);
      kind = link === undefined ? await input.imageKind(path) : "symlink";
    } catch (error) {
      out.warnings.push(`Cannot mask forbidden "${path}": ${(error as Error).message}`);
      continue;
    }
    if (kind === "symlink") {
      out.warnings.push(
        `Cannot mask forbidden "${path}": "${
          link ?? path
        }" is a symlink in the image, and the kernel judges the path it resolves to; forbid that path`,
      );
      continue;
    }
    if (kind === "missing") {
      if (await input.imageKind(parentOf(path)).catch(() => "missing") !== "dir") continue;
      kind = entry.kind === "dir" ? "dir" : "file";
    }
    out.mounts.push(
      kind === "dir"
        ? {
          Type: "tmpfs",
          Target: path,
          ReadOnly: true,
          TmpfsOptions: { SizeBytes: 4096, Mode: 0o555 },
        }
        : { Type: "bind", Source: "/dev/null", Target: path, ReadOnly: true },
    );
    out.masked.push(path);
  }
  return out;
}

/** The first proper ancestor of `path` (not "/") that is a symlink in the image, if any. */
async function symlinkAbove(
  path: string,
  imageKind: (path: string) => Promise<ImageKind>,
): Promise<string | undefined> {
  const parts = path.split("/").filter((p) => p !== "");
  for (let i = 1; i < parts.length; i++) {
    const ancestor = `/${parts.slice(0, i).join("/")}`;
    const kind = await imageKind(ancestor);
    if (kind === "symlink") return ancestor;
    if (kind === "missing") return undefined;
  }
  return undefined;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

function entryPath(e: IrFileEntry): string {
  return e.kind === "dir" && e.path !== "/" ? e.path.slice(0, -1) : e.path;
}
