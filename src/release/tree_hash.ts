import { sha256Hex } from "../assets.ts";

/**
 * Hex SHA-256 of a directory tree: the hash of one line per regular file, in byte order of
 * the relative path, `PATH NUL SHA256(content) LF`. Symlinks and empty dirs do not count, so
 * the value depends only on the files' names and bytes.
 */
export async function treeSha256(dir: string): Promise<string> {
  const files: string[] = [];
  await collect(dir, "", files);
  files.sort();
  const lines: string[] = [];
  for (const rel of files) {
    lines.push(`${rel}\0${await sha256Hex(await Deno.readFile(`${dir}/${rel}`))}\n`);
  }
  return await sha256Hex(new TextEncoder().encode(lines.join("")));
}

async function collect(root: string, rel: string, out: string[]): Promise<void> {
  for await (const entry of Deno.readDir(rel ? `${root}/${rel}` : root)) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory) await collect(root, path, out);
    else if (entry.isFile) out.push(path);
  }
}
