/**
 * Turns the IR's file table into Landlock beneath-rules at session start.
 *
 * Landlock only adds permissions, so a permitted tree holding a forbidden subtree cannot be
 * one rule: we enumerate the siblings along the way down to the forbidden subtree and grant
 * each of them instead. What enumeration cannot cover is returned as warnings: entries
 * created later inside an enumerated directory, the enumerated directories themselves
 * (granting them would grant the forbidden subtree), and trees too large to enumerate.
 */
import { dirname } from "node:path";
import {
  dirCovers,
  type IrFileDecisions,
  type IrFileEntry,
  normaliseRequestPath,
  type PolicyIr,
} from "../policy/mod.ts";

/** The little file system access the enumeration needs (real fs at session start, fake in tests). */
export interface LandlockFs {
  /** Names in directory `path`, or undefined when it is not a readable directory. */
  readDir(path: string): Promise<string[] | undefined>;
  /** What `path` is, without following a final symlink. */
  stat(path: string): Promise<"dir" | "file" | "symlink" | "missing">;
  /** The target of symlink `path` as stored (relative or absolute), if it can be read. */
  readLink?(path: string): Promise<string | undefined>;
}

/** One Landlock beneath-rule. */
export interface LandlockRule {
  path: string;
  access: ("read" | "write" | "exec")[];
}

/** A rule leash-entry applies to each entry of directory `path` but `except` (it lists it). */
export interface LandlockEachRule {
  path: string;
  access: ("read" | "write" | "exec")[];
  except: string[];
}

/** The rules and what they cannot express. */
export interface LandlockRuleset {
  rules: LandlockRule[];
  /** Directories `fs` could not list, left to leash-entry to list. */
  each: LandlockEachRule[];
  warnings: string[];
}

/**
 * A forbidden subtree the session took out of reach with a mount (src/session/containment.ts,
 * image_masks.ts): `hidden`, an empty read-only tmpfs or `/dev/null` (nothing to read, write or
 * execute); otherwise a read-only bind of itself (nothing to write). The mountpoint cannot be
 * renamed or removed, so its parent may be granted whole instead of child by child.
 */
export interface LandlockMask {
  path: string;
  hidden: boolean;
}

/** Options for {@linkcode landlockRuleset}. */
export interface LandlockOptions {
  /** Give up enumerating after this many directory entries (then deny the rest). @default 20000 */
  maxEntries?: number;
  /** Forbidden subtrees masked in the target. @default none */
  masked?: readonly LandlockMask[];
  /**
   * Where `fs` cannot list a directory, let leash-entry list it (an `each` rule) instead of
   * denying beneath it. @default false
   */
  entryLists?: boolean;
}

type Access = "read" | "write" | "exec";
const ACCESSES: Access[] = ["read", "write", "exec"];

function entryPath(e: IrFileEntry): string {
  return e.kind === "dir" && e.path !== "/" ? e.path.slice(0, -1) : e.path;
}

/** Computes Landlock rules for `ir` by walking `fs` where carve-outs need it. */
export async function landlockRuleset(
  ir: PolicyIr,
  fs: LandlockFs,
  options: LandlockOptions = {},
): Promise<LandlockRuleset> {
  const budget = { left: options.maxEntries ?? 20000 };
  const grants = new Map<string, Set<Access>>();
  const warnings: string[] = [];
  const entries = ir.file.entries;
  const decisionsAt = (path: string): IrFileDecisions => {
    let best: IrFileEntry | undefined;
    for (const e of entries) {
      if (e.kind === "file" ? e.path === path : dirCovers(e.path, path)) {
        if (
          !best || best.kind === "dir" && (e.kind === "file" || e.path.length > best.path.length)
        ) best = e;
      }
    }
    return best ?? ir.file.default;
  };
  const grant = (path: string, access: Access) => {
    let set = grants.get(path);
    if (!set) grants.set(path, set = new Set());
    set.add(access);
  };
  // Symlinks are never granted (a rule would grant their target); see linkWarnings().
  const skippedLinks = new Map<string, Set<Access>>();
  const skipLink = (path: string, access: Access) => {
    let set = skippedLinks.get(path);
    if (!set) skippedLinks.set(path, set = new Set());
    set.add(access);
  };
  const each = new Map<string, { access: Set<Access>; except: string[] }>();
  const masks = options.masked ?? [];
  for (const access of ACCESSES) {
    // A masked entry needs no carving beneath `path`. For write only directly beneath it: a
    // write grant on a higher ancestor could rename the mask's parent away (the mount moves
    // with it) and make the forbidden path anew.
    const masked = (p: string, path: string) =>
      masks.some((m) =>
        (m.hidden || access === "write") && (p === m.path || dirCovers(`${m.path}/`, p)) &&
        (access !== "write" || parentOf(m.path) === path)
      );
    // Is the decision uniform below `path` (entries strictly beneath it agree with `path`'s)?
    const uniform = (path: string, allowed: boolean) =>
      entries.every((e) => {
        const p = entryPath(e);
        if (p === path || !dirCovers(path === "/" ? "/" : path + "/", p)) return true;
        if (masked(p, path)) return true;
        return (e[access].decision === "allow") === allowed;
      });
    const visit = async (path: string): Promise<void> => {
      const allowed = decisionsAt(path)[access].decision === "allow";
      if (uniform(path, allowed)) {
        if (!allowed) return;
        const kind = await fs.stat(path);
        if (kind === "symlink") skipLink(path, access);
        else if (kind !== "missing") grant(path, access);
        return;
      }
      if (!allowed) {
        for (const child of topEntriesBelow(entries, path)) await visit(child);
        return;
      }
      const kind = await fs.stat(path);
      if (kind === "symlink") return skipLink(path, access);
      if (kind !== "dir") {
        if (allowed && kind !== "missing") grant(path, access);
        return;
      }
      const names = await fs.readDir(path);
      if (names === undefined && options.entryLists) {
        // leash-entry grants each entry it finds but the ones the policy names beneath.
        const named = childNames(entries, path);
        const rule = each.get(path) ?? { access: new Set<Access>(), except: named };
        each.set(path, rule);
        rule.access.add(access);
        warnings.push(
          `Landlock cannot allow ${access} on "${path}" itself without its forbidden subtree: new entries created in it later are denied`,
        );
        for (const name of named) await visit(path === "/" ? `/${name}` : `${path}/${name}`);
        return;
      }
      if (names === undefined) {
        warnings.push(
          `Cannot enumerate "${path}" for ${access}: unreadable, so it is denied below`,
        );
        return;
      }
      budget.left -= names.length;
      if (budget.left < 0) {
        warnings.push(
          `Cannot enumerate "${path}" for ${access}: too many entries, so it is denied below`,
        );
        return;
      }
      {
        warnings.push(
          `Landlock cannot allow ${access} on "${path}" itself without its forbidden subtree: new entries created in it later are denied`,
        );
      }
      for (const name of names.sort()) await visit(path === "/" ? `/${name}` : `${path}/${name}`);
    };
    await visit("/");
  }
  const eachRules = [...each.entries()]
    .map(([path, r]) => ({
      path,
      access: ACCESSES.filter((a) => r.access.has(a)),
      except: r.except,
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  warnings.push(...await linkWarnings(skippedLinks, grants, eachRules, fs));
  const rules = [...grants.entries()]
    .map(([path, set]) => ({ path, access: ACCESSES.filter((a) => set.has(a)) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { rules, each: eachRules, warnings };
}

/** The names of the children of `path` that some entry lies at or beneath, sorted. */
function childNames(entries: IrFileEntry[], path: string): string[] {
  const prefix = path === "/" ? "/" : `${path}/`;
  const names = new Set<string>();
  for (const e of entries) {
    const p = entryPath(e);
    if (p === path || !dirCovers(prefix, p)) continue;
    names.add(p.slice(prefix.length).split("/")[0]!);
  }
  return [...names].sort();
}

/**
 * Warnings for skipped symlinks whose accesses the ruleset does not grant at their target
 * anyway. A merged-/usr image's `/bin -> usr/bin` loses nothing when `/usr/bin` is granted too:
 * the kernel resolves the path before Landlock (and kernel-lsm) see it.
 */
async function linkWarnings(
  skipped: Map<string, Set<Access>>,
  grants: Map<string, Set<Access>>,
  each: LandlockEachRule[],
  fs: LandlockFs,
): Promise<string[]> {
  const byEach = (path: string, access: Access) =>
    each.some((r) => {
      const prefix = r.path === "/" ? "/" : `${r.path}/`;
      if (!r.access.includes(access) || !path.startsWith(prefix)) return false;
      return !r.except.includes(path.slice(prefix.length).split("/")[0]!);
    });
  const granted = (path: string, access: Access) =>
    byEach(path, access) ||
    [...grants].some(([g, set]) => set.has(access) && dirCovers(g === "/" ? "/" : `${g}/`, path));
  const warnings: string[] = [];
  for (const [path, accesses] of [...skipped].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const link = await fs.readLink?.(path);
    const target = link === undefined
      ? undefined
      : normaliseRequestPath(link.startsWith("/") ? link : `${dirname(path)}/${link}`);
    const lost = ACCESSES.filter((a) =>
      accesses.has(a) && (target === undefined || !granted(target, a))
    );
    if (lost.length === 0) continue;
    warnings.push(
      `Landlock rule for "${path}" (${lost.join(", ")}) skipped: it is a symlink${
        target === undefined ? "" : ` to "${target}"`
      } and would grant its target${target === undefined ? "" : ", which the policy does not"}`,
    );
  }
  return warnings;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** Paths of the entries strictly beneath `path` with no other entry between them and `path`. */
function topEntriesBelow(entries: IrFileEntry[], path: string): string[] {
  const below = (p: string, q: string) => p !== q && dirCovers(q === "/" ? "/" : q + "/", p);
  const paths = [...new Set(entries.map(entryPath))].filter((p) => below(p, path));
  return paths.filter((p) => !paths.some((q) => below(p, q))).sort();
}
