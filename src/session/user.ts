/** Resolves an image's USER (name or number, optional group) to numeric `uid:gid`. */

/** Reads /etc/passwd or /etc/group of the target; undefined when the file is absent. */
export type AccountFileReader = (path: "/etc/passwd" | "/etc/group") => Promise<string | undefined>;

/**
 * Resolves `spec` ("", "name", "uid", "name:group", "uid:gid") like Docker does: a user's
 * primary group when no group is given, gid 0 for a numeric uid unknown to /etc/passwd.
 * Resolves to undefined for "" (stay root). Throws `TypeError` for an unknown name.
 */
export async function resolveUser(
  spec: string,
  read: AccountFileReader,
): Promise<string | undefined> {
  if (spec === "") return undefined;
  const [user = "", group] = spec.split(":", 2);
  const numeric = (s: string) => /^\d+$/.test(s);
  if (numeric(user) && group !== undefined && numeric(group)) return `${user}:${group}`;
  const passwd = parseTable(await read("/etc/passwd"));
  const entry = passwd.find((f) => (numeric(user) ? f[2] === user : f[0] === user));
  if (!entry && !numeric(user)) {
    throw new TypeError(
      `Cannot run as user "${spec}": no user "${user}" in the image's /etc/passwd; use --user UID[:GID]`,
    );
  }
  const uid = numeric(user) ? user : entry![2]!;
  if (group === undefined) return `${uid}:${entry?.[3] ?? "0"}`;
  if (numeric(group)) return `${uid}:${group}`;
  const groups = parseTable(await read("/etc/group"));
  const gid = groups.find((f) => f[0] === group)?.[2];
  if (gid === undefined) {
    throw new TypeError(
      `Cannot run as user "${spec}": no group "${group}" in the image's /etc/group; use --user UID:GID`,
    );
  }
  return `${uid}:${gid}`;
}

function parseTable(text: string | undefined): string[][] {
  if (text === undefined) return [];
  return text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(":"));
}
