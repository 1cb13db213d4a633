/** The host side of the containment decision: lstat of the bind sources. */
import type { HostKind } from "./containment.ts";

/** What `path` is on the host, without following a final symlink; throws when it cannot tell. */
export async function hostKind(path: string): Promise<HostKind> {
  try {
    const info = await Deno.lstat(path);
    return info.isSymlink ? "symlink" : info.isDirectory ? "dir" : "file";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw new Error(`Cannot stat "${path}"`, { cause: error });
  }
}
