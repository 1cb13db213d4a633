/**
 * The Landlock ruleset file the host writes to `landlock.rules` for leash-entry, which
 * parses it in C (bpf/helper/landlock.c) and applies it to itself before exec. Text, one
 * item a line:
 *
 * ```
 * leash-landlock 2
 * handle rwx
 * rw /workspace
 * rx /usr
 * each w /root
 * except .ssh
 * ```
 *
 * `handle` names the access classes the ruleset governs: a governed class is denied
 * wherever no rule allows it; an ungoverned one stays allowed everywhere. A rule is the
 * classes allowed beneath a path, one space, then the absolute path to the end of the line.
 * Classes: `r` read files and list dirs, `w` write, truncate, create, remove, rename and
 * device ioctl, `x` execute. leash-entry uses the rights the kernel's Landlock ABI has,
 * skips paths that do not exist (with a warning) and narrows rules on files to file rights.
 * An `each` rule allows its classes on each entry of a directory but the names on the
 * `except` lines after it: leash-entry lists the directory itself (as root, inside the target,
 * before the drop), for a host that cannot (not root); it never grants a symlink.
 */

/** One access class. */
export type LandlockAccess = "read" | "write" | "exec";

/** Allows `access` beneath `path` (a directory tree, or one file). */
export interface LandlockRule {
  path: string;
  access: readonly LandlockAccess[];
}

/** Allows `access` on each entry of directory `path` but those named in `except`. */
export interface LandlockEachRule {
  path: string;
  access: readonly LandlockAccess[];
  except: readonly string[];
}

/** What the host asks leash-entry to apply. */
export interface LandlockRuleset {
  /** The classes governed; at least one. */
  handle: readonly LandlockAccess[];
  rules: readonly LandlockRule[];
  /** Rules leash-entry expands by listing a directory. @default none */
  each?: readonly LandlockEachRule[];
}

/** The format's header line; a new format gets a new number. */
export const LANDLOCK_RULES_HEADER = "leash-landlock 2";

const LETTERS: Record<LandlockAccess, string> = { read: "r", write: "w", exec: "x" };
const ORDER: readonly LandlockAccess[] = ["read", "write", "exec"];

/**
 * Renders a ruleset in the file format. Throws `RangeError` for an empty or repeated
 * class, a rule allowing a class that is not handled, or a path that is not absolute or
 * holds a newline or NUL.
 */
export function encodeLandlockRules(ruleset: LandlockRuleset): string {
  const handle = classes("handle", ruleset.handle);
  const lines = [LANDLOCK_RULES_HEADER, `handle ${handle}`];
  for (const rule of ruleset.rules) {
    const where = `rule for "${rule.path}"`;
    const allowed = classes(where, rule.access);
    for (const letter of allowed) {
      if (!handle.includes(letter)) {
        throw new RangeError(
          `Cannot encode Landlock ${where}: it allows "${letter}", which the ruleset does not handle`,
        );
      }
    }
    if (!rule.path.startsWith("/")) {
      throw new RangeError(`Cannot encode Landlock ${where}: the path must be absolute`);
    }
    if (/[\n\0]/.test(rule.path)) {
      throw new RangeError(`Cannot encode Landlock ${where}: the path holds a newline or NUL`);
    }
    lines.push(`${allowed} ${rule.path}`);
  }
  for (const rule of ruleset.each ?? []) {
    const where = `rule on each entry of "${rule.path}"`;
    const allowed = classes(where, rule.access);
    if ([...allowed].some((letter) => !handle.includes(letter))) {
      throw new RangeError(`Cannot encode Landlock ${where}: it allows a class not handled`);
    }
    if (!rule.path.startsWith("/") || /[\n\0]/.test(rule.path)) {
      throw new RangeError(`Cannot encode Landlock ${where}: the path must be absolute, one line`);
    }
    lines.push(`each ${allowed} ${rule.path}`);
    for (const name of rule.except) {
      if (name === "" || name === "." || name === ".." || /[/\n\0]/.test(name)) {
        throw new RangeError(`Cannot encode Landlock ${where}: bad except name "${name}"`);
      }
      lines.push(`except ${name}`);
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * Parses the file format back (what leash-entry reads), for logs and tests.
 * Throws `SyntaxError` naming the line for anything leash-entry would refuse.
 */
export function parseLandlockRules(text: string): LandlockRuleset {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let header = false;
  let handle: LandlockAccess[] | undefined;
  const rules: LandlockRule[] = [];
  const each: { path: string; access: LandlockAccess[]; except: string[] }[] = [];
  let last: "rule" | "each" = "rule";
  lines.forEach((line, index) => {
    const fail = (why: string) =>
      new SyntaxError(`Cannot parse Landlock rules: line ${index + 1}: ${why}`);
    if (line === "" || line.startsWith("#")) return;
    if (!header) {
      if (line !== LANDLOCK_RULES_HEADER) {
        throw fail(`expected the header "${LANDLOCK_RULES_HEADER}" (format version mismatch)`);
      }
      header = true;
      return;
    }
    const space = line.indexOf(" ");
    if (space < 0) throw fail('expected "CLASSES PATH" or "handle CLASSES"');
    let head = line.slice(0, space);
    let rest = line.slice(space + 1);
    if (head === "except") {
      const current = each.at(-1);
      if (last !== "each" || !current) throw fail('"except" must follow an "each" rule');
      if (rest === "" || rest === "." || rest === ".." || rest.includes("/")) {
        throw fail('"except" needs a name (no "/", not "." or "..")');
      }
      current.except.push(rest);
      return;
    }
    const isEach = head === "each";
    if (isEach) {
      const next = rest.indexOf(" ");
      if (next < 0) throw fail('expected "each CLASSES PATH"');
      head = rest.slice(0, next);
      rest = rest.slice(next + 1);
    }
    if (head === "handle") {
      if (handle) throw fail('"handle" given twice');
      if (rules.length > 0) throw fail('"handle" must come before the rules');
      handle = letters(rest) ?? (() => {
        throw fail('"handle" needs a set of r, w, x');
      })();
      return;
    }
    if (!handle) throw fail('a rule before "handle"');
    const access = letters(head);
    if (!access) throw fail("the classes must be a set of r, w, x");
    if (!rest.startsWith("/")) throw fail("the path must be absolute");
    if (isEach) each.push({ path: rest, access, except: [] });
    else rules.push({ path: rest, access });
    last = isEach ? "each" : "rule";
  });
  if (!header) throw new SyntaxError("Cannot parse Landlock rules: the file is empty");
  if (!handle) throw new SyntaxError('Cannot parse Landlock rules: no "handle" line');
  return each.length > 0 ? { handle, rules, each } : { handle, rules };
}

/** "rwx"-style letters for a set of classes, in canonical order. */
function classes(where: string, access: readonly LandlockAccess[]): string {
  if (access.length === 0) {
    throw new RangeError(`Cannot encode Landlock ${where}: it names no access class`);
  }
  if (new Set(access).size !== access.length) {
    throw new RangeError(`Cannot encode Landlock ${where}: an access class is repeated`);
  }
  for (const one of access) {
    if (!(one in LETTERS)) {
      throw new RangeError(`Cannot encode Landlock ${where}: unknown access class "${one}"`);
    }
  }
  return ORDER.filter((one) => access.includes(one)).map((one) => LETTERS[one]).join("");
}

/** Classes from letters; undefined when not a non-empty set of distinct r, w, x. */
function letters(word: string): LandlockAccess[] | undefined {
  const found: LandlockAccess[] = [];
  for (const letter of word) {
    const access = ORDER.find((one) => LETTERS[one] === letter);
    if (!access || found.includes(access)) return undefined;
    found.push(access);
  }
  return found.length > 0 ? found : undefined;
}
