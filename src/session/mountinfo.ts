/** Reading `/proc/<pid>/mountinfo`: which mount points carry `noexec` (the target's own truth). */

/** Undoes mountinfo's octal escapes (`\040` for a space, `\012` for a newline, ...). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * For each of `paths`, whether the mount on top of it (the last line naming it as mount point)
 * has `noexec` among its per-mount options; a path no line names is `false`.
 */
export function noexecMounts(mountinfo: string, paths: readonly string[]): Map<string, boolean> {
  const top = new Map<string, boolean>();
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    if (fields.length < 6) continue;
    top.set(unescape(fields[4]!), fields[5]!.split(",").includes("noexec"));
  }
  return new Map(paths.map((p) => [p, top.get(p) ?? false]));
}
