/** Canonical forms of the file paths named by `Dir` and `File` entities and by requests. */

/** A `Dir::"..."` or `File::"..."` id turned into its canonical path. */
export interface PolicyPath {
  /** Canonical path: a Dir ends with "/", a File never does. */
  key: string;
  /** Set when the id was accepted but not canonical (e.g. a Dir without its trailing slash). */
  warning?: string;
}

/**
 * Parses the id of a `Dir` or `File` entity. Throws RangeError for relative paths,
 * `.`/`..`/empty components and a File ending in "/".
 */
export function parsePolicyPath(id: string, kind: "Dir" | "File"): PolicyPath {
  if (!id.startsWith("/")) {
    throw new RangeError(`Cannot use ${kind} "${id}": the path must be absolute`);
  }
  if (id.includes("\0")) throw new RangeError(`Cannot use ${kind} "${id}": the path holds a NUL`);
  if (id === "/") {
    if (kind === "File") throw new RangeError(`Cannot use File "/": "/" is a directory`);
    return { key: "/" };
  }
  const trailing = id.endsWith("/");
  const parts = id.slice(1, trailing ? -1 : undefined).split("/");
  for (const part of parts) {
    if (part === "" || part === "." || part === "..") {
      const what = part === "" ? 'an empty component ("//")' : `a "${part}" component`;
      throw new RangeError(`Cannot use ${kind} "${id}": the path holds ${what}`);
    }
  }
  if (kind === "File") {
    if (trailing) {
      throw new RangeError(`Cannot use File "${id}": a file path cannot end with "/"`);
    }
    return { key: id };
  }
  if (trailing) return { key: id };
  return {
    key: `${id}/`,
    warning: `Dir "${id}" has no trailing slash: read as Dir "${id}/" (recursive)`,
  };
}

/**
 * Normalises a request path lexically: absolute, no `.`/`..`/empty components, no trailing
 * slash (except "/"). Throws RangeError for relative paths.
 */
export function normaliseRequestPath(path: string): string {
  if (!path.startsWith("/")) {
    throw new RangeError(`Cannot evaluate path "${path}": the path must be absolute`);
  }
  if (path.includes("\0")) throw new RangeError(`Cannot evaluate path "${path}": it holds a NUL`);
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/** Whether canonical Dir `dir` ("/a/b/") covers canonical request path `path` (itself or beneath). */
export function dirCovers(dir: string, path: string): boolean {
  return dir === "/" || (path + "/").startsWith(dir);
}

/** The canonical Dir keys covering `path`, deepest first ("/a/b" → "/a/b/", "/a/", "/"). */
export function coveringDirs(path: string): string[] {
  const result: string[] = [];
  if (path !== "/") {
    let end = path.length;
    while (end > 0) {
      result.push(path.slice(0, end) + "/");
      end = path.lastIndexOf("/", end - 1);
    }
  }
  result.push("/");
  return result;
}
