/**
 * The target's containment mounts and capabilities (issue 10 classes 1 and 2), decided from the
 * compiled policy before the target is created:
 *
 * - `/tmp` and `/var/tmp` become `noexec` tmpfs mounts when the policy grants no exec beneath
 *   them, so code written there cannot be run through the loader (`ld.so ./payload`) or
 *   `LD_PRELOAD`, which Landlock does not judge (Docker's `/dev/shm` is `noexec` already).
 * - A subtree the policy forbids inside a bind mount (the workspace, `-v`) is masked: an empty
 *   read-only tmpfs over a directory, `/dev/null` read-only over a file; a subtree forbidden
 *   for writing only is bound read-only over itself. chmod, chown, utimes and setxattr are not
 *   file opens, so Landlock lets them through; on a read-only mount they fail (EROFS), and a
 *   masked subtree shows nothing of the host's files (sizes, times, names).
 * - The target runs without capabilities the agent does not need (`TARGET_CAP_DROP`).
 *
 * Pure: the host's view of the bind sources comes in as a function.
 */
import { dirCovers, fileDecisions, type IrFileEntry, type PolicyIr } from "../policy/mod.ts";
import type { LandlockMask } from "../landlock/mod.ts";
import { decideImageMasks, type ImageKind } from "./image_masks.ts";

/** Capabilities the target never gets (Docker's default set minus these is what remains). */
export const TARGET_CAP_DROP: readonly string[] = [
  "NET_RAW", // raw sockets would bypass the relay's view
  "CHOWN", // chown of files the agent does not own
  "FOWNER", // chmod, utimes, xattrs of files the agent does not own
  "FSETID", // keeping set-id bits on files it changes
  "MKNOD", // device nodes
  "SETFCAP", // file capabilities
  // SETPCAP stays: leash-entry needs it to drop CAP_SYS_ADMIN and itself from the bounding set.
  "SYS_CHROOT",
  "AUDIT_WRITE",
];

/** Writable directories of the image that become `noexec` tmpfs mounts when exec is denied. */
export const SCRATCH_DIRS: readonly string[] = ["/tmp", "/var/tmp"];

/** Docker mounts `/dev/shm` `noexec,nosuid,nodev` by itself. */
export const DOCKER_NOEXEC: readonly string[] = ["/dev/shm"];

/** A bind mount of the target: host `source` at container `target`, read-only or not. */
export interface ContainBind {
  source: string;
  target: string;
  readOnly: boolean;
}

/** What a host path is, without following a final symlink. */
export type HostKind = "dir" | "file" | "symlink" | "missing";

/** What the containment decision needs. */
export interface ContainmentInput {
  ir: PolicyIr;
  mode: "record" | "shadow" | "enforce";
  /** The workspace and `-v` mounts. */
  binds: readonly ContainBind[];
  /** The kind of a host path (lstat); throws when it cannot tell. */
  hostKind: (path: string) => Promise<HostKind>;
  /**
   * The kind of a path of the image (image_masks.ts); without it, forbidden subtrees of the
   * image are not masked (Landlock carves them out by enumeration).
   */
  imageKind?: ((path: string) => Promise<ImageKind>) | undefined;
}

/** One mount in Docker's `HostConfig.Mounts` shape. */
export interface MaskMount {
  Type: "bind" | "tmpfs";
  Source?: string;
  Target: string;
  ReadOnly: true;
  TmpfsOptions?: { SizeBytes: number; Mode: number };
  [key: string]: unknown;
}

/** A writable mount that keeps exec, and why. */
export interface ExecMount {
  path: string;
  why: string;
}

/** The decision: Docker settings, and what the posture line and events say about them. */
export interface Containment {
  /** `HostConfig.Tmpfs`. */
  tmpfs: Record<string, string>;
  /** `HostConfig.Mounts`: masks and read-only self-binds. */
  mounts: MaskMount[];
  capDrop: string[];
  /** Writable places mounted `noexec` (by leash or by Docker). */
  noexec: string[];
  /** Writable mounts that keep exec. */
  execMounts: ExecMount[];
  /**
   * Binds leash-entry remounts `noexec` (`LEASH_NOEXEC`; the target then starts with
   * CAP_SYS_ADMIN, which leash-entry drops before anything else runs). Verified at activation.
   */
  noexecBinds: string[];
  /** Forbidden paths masked or bound read-only. */
  masked: string[];
  /** What each mask takes out of reach, so Landlock need not carve it out (ruleset.ts). */
  landlockMasks: LandlockMask[];
  /** Forbidden paths that could not be masked, with the reason. */
  warnings: string[];
}

const SCRATCH_OPTIONS = "rw,noexec,nosuid,nodev,mode=1777";

/** Decides the target's containment mounts for `input`. */
export async function decideContainment(input: ContainmentInput): Promise<Containment> {
  const out: Containment = {
    tmpfs: {},
    mounts: [],
    capDrop: [...TARGET_CAP_DROP],
    noexec: [...DOCKER_NOEXEC],
    execMounts: [],
    noexecBinds: [],
    masked: [],
    landlockMasks: [],
    warnings: [],
  };
  const enforce = input.mode === "enforce";
  const bindTargets = input.binds.map((b) => b.target);
  for (const dir of SCRATCH_DIRS) {
    if (bindTargets.some((t) => t === dir || dirCovers(`${t}/`, dir))) continue;
    if (enforce && execDeniedBelow(input.ir, dir, bindTargets)) {
      out.tmpfs[dir] = SCRATCH_OPTIONS;
      out.noexec.push(dir);
    } else {
      out.execMounts.push({
        path: dir,
        why: enforce ? "the policy grants exec beneath it" : `${input.mode} mode`,
      });
    }
  }
  for (const bind of input.binds) {
    const denied = enforce && execDeniedBelow(input.ir, bind.target, otherTargets(bind, input));
    if (denied && !bind.target.includes("\n")) out.noexecBinds.push(bind.target);
    else if (!bind.readOnly) {
      out.execMounts.push({
        path: bind.target,
        why: enforce ? "the policy grants exec beneath it" : `${input.mode} mode`,
      });
    }
  }
  if (enforce) await addMasks(input, out);
  if (enforce && input.imageKind) {
    const image = await decideImageMasks({
      ir: input.ir,
      bindTargets,
      imageKind: input.imageKind,
    });
    out.mounts.push(...image.mounts);
    out.masked.push(...image.masked);
    out.landlockMasks.push(...image.masked.map((path) => ({ path, hidden: true })));
    out.warnings.push(...image.warnings);
  }
  return out;
}

function otherTargets(bind: ContainBind, input: ContainmentInput): string[] {
  return input.binds.map((b) => b.target).filter((t) => t !== bind.target);
}

/**
 * Whether the policy denies exec at `dir` and everywhere beneath it, leaving out the subtrees
 * `except` (other mounts, judged on their own).
 */
export function execDeniedBelow(ir: PolicyIr, dir: string, except: readonly string[]): boolean {
  if (fileDecisions(ir, dir).exec.decision === "allow") return false;
  const prefix = dir === "/" ? "/" : `${dir}/`;
  const inside = except.filter((x) => x !== dir && dirCovers(prefix, x));
  return ir.file.entries.every((e) => {
    const path = entryPath(e);
    // Entries above `dir` or beside it: fileDecisions() judged `dir` itself.
    if (path === dir || !dirCovers(prefix, path)) return true;
    if (inside.some((x) => dirCovers(`${x}/`, path))) return true;
    return e.exec.decision === "deny";
  });
}

function entryPath(e: IrFileEntry): string {
  return e.kind === "dir" && e.path !== "/" ? e.path.slice(0, -1) : e.path;
}

/** Masks forbidden subtrees inside the binds (only paths that exist on the host). */
async function addMasks(input: ContainmentInput, out: Containment): Promise<void> {
  const forbidden = (d: { decision: string; rules: string[] }) =>
    d.decision === "deny" && d.rules.length > 0;
  const entries = [...input.ir.file.entries].sort((a, b) =>
    entryPath(a).length - entryPath(b).length
  );
  for (const entry of entries) {
    const path = entryPath(entry);
    const bind = innermostBind(input.binds, path);
    if (!bind || path === bind.target) continue;
    if (out.masked.some((m) => m === path || dirCovers(`${m}/`, path))) continue;
    const hidden = forbidden(entry.read) && forbidden(entry.write);
    const readOnly = !hidden && forbidden(entry.write) && !bind.readOnly;
    if (!hidden && !readOnly) continue;
    const source = bind.source + path.slice(bind.target.length);
    let kind: HostKind;
    try {
      kind = await input.hostKind(source);
    } catch (error) {
      out.warnings.push(`Cannot mask forbidden "${path}": ${(error as Error).message}`);
      continue;
    }
    if (kind === "missing") continue;
    if (kind === "symlink") {
      out.warnings.push(
        `Cannot mask forbidden "${path}": it is a symlink on the host ("${source}"); forbid the path it points to`,
      );
      continue;
    }
    if (readOnly) {
      out.mounts.push({ Type: "bind", Source: source, Target: path, ReadOnly: true });
    } else if (kind === "dir") {
      out.mounts.push({
        Type: "tmpfs",
        Target: path,
        ReadOnly: true,
        TmpfsOptions: { SizeBytes: 4096, Mode: 0o555 },
      });
    } else {
      out.mounts.push({ Type: "bind", Source: "/dev/null", Target: path, ReadOnly: true });
    }
    out.masked.push(path);
    out.landlockMasks.push({ path, hidden: !readOnly });
  }
}

function innermostBind(binds: readonly ContainBind[], path: string): ContainBind | undefined {
  let best: ContainBind | undefined;
  for (const b of binds) {
    if (path !== b.target && !dirCovers(b.target === "/" ? "/" : `${b.target}/`, path)) continue;
    if (!best || b.target.length > best.target.length) best = b;
  }
  return best;
}

/** The binds of a session: the workspace at its own path, then `-v SRC:DST[:ro]`. */
export function containBinds(cwd: string, volumes: readonly string[]): ContainBind[] {
  return [
    { source: cwd, target: cwd, readOnly: false },
    ...volumes.map((v) => {
      const [source = "", target = "", opt] = v.split(":");
      return { source, target, readOnly: opt === "ro" };
    }),
  ];
}

/** The exec part of the posture: where exec is closed and where it is not. */
export function renderExecGuards(
  c: Pick<Containment, "noexec" | "execMounts">,
  guards: { memfd: string | undefined; mappings: string | undefined; landlock: boolean },
): string {
  const parts = [`noexec ${c.noexec.join(", ")}`];
  for (const m of c.execMounts) parts.push(`exec allowed on "${m.path}" (${m.why})`);
  parts.push(
    guards.mappings === "ok"
      ? "file mappings judged by kernel-lsm"
      : `file mappings not judged (${guards.mappings ?? "no answer"})`,
  );
  if (guards.landlock) parts.push(`memfd guard ${guards.memfd ?? "not reported"}`);
  return parts.join("; ");
}
