/**
 * `--from DIR|TARBALL`: the agent package from the local disk, for hosts without the npm
 * registry. DIR is an npm prefix made elsewhere (`npm install -g --prefix DIR PKG@VERSION`:
 * `lib/node_modules/PKG`, `bin/CMD`), copied into the image as is; TARBALL is the package's
 * `npm pack` file, installed with npm in the build (its dependencies still come from the
 * registry).
 */
import { dirname, join, relative } from "node:path";
import { sha256Hex } from "../assets.ts";
import type { TarEntry } from "../docker/mod.ts";
import type { AgentPreset } from "../agents/mod.ts";
import type { PackageSource } from "./agent_recipe.ts";

/** A local package source: its recipe entry and the build-context files it adds. */
export interface LocalSource {
  source: PackageSource;
  entries: TarEntry[];
}

/** Reads `path` as a prefix directory or an `npm pack` tarball; errors name the path and fix. */
export async function readLocalSource(preset: AgentPreset, path: string): Promise<LocalSource> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new Error(`Cannot use --from "${path}": no such file or directory`, { cause: error });
  }
  if (info.isFile) {
    if (!/\.(tgz|tar\.gz)$/.test(path)) {
      throw new Error(
        `Cannot use --from "${path}": give the package's npm pack tarball (.tgz) or an npm prefix directory`,
      );
    }
    const data = await Deno.readFile(path);
    return {
      source: { kind: "tarball", sha256: await sha256Hex(data) },
      entries: [{ path: "agent.tgz", data }],
    };
  }
  const manifest = join(path, "lib/node_modules", preset.package.name, "package.json");
  try {
    await Deno.stat(manifest);
  } catch (error) {
    throw new Error(
      `Cannot use --from "${path}": it holds no "${
        relative(path, manifest)
      }"; make it with: npm install -g --prefix ${path} --allow-scripts=${preset.package.name} ${preset.package.name}@${preset.package.version}`,
      { cause: error },
    );
  }
  const entries: TarEntry[] = [];
  await walk(path, path, entries, new Map());
  const listing = entries.map((e) => `${e.path}\0${e.type}\0${e.mode}\0${e.linkTarget ?? ""}`);
  const hasher = new Set<string>();
  for (const e of entries) {
    if (e.data instanceof Uint8Array) hasher.add(await sha256Hex(e.data));
  }
  const sha256 = await sha256Hex(
    new TextEncoder().encode(listing.join("\n") + [...hasher].join("\n")),
  );
  return { source: { kind: "prefix", sha256 }, entries };
}

/**
 * Adds `dir`'s tree under `prefix/`. A file hard-linked to one already added (npm links the
 * agent's native binary from its platform package) becomes a symlink to it, so the context
 * holds its bytes once.
 */
async function walk(
  root: string,
  dir: string,
  out: TarEntry[],
  seen: Map<string, string>,
): Promise<void> {
  const names: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry);
  names.sort((a, b) => a.name < b.name ? -1 : 1);
  for (const entry of names) {
    const full = join(dir, entry.name);
    const rel = `prefix/${relative(root, full)}`;
    const info = await Deno.lstat(full);
    const mode = (info.mode ?? 0o644) & 0o7777;
    if (info.isSymlink) {
      out.push({ path: rel, type: "symlink", linkTarget: await Deno.readLink(full) });
    } else if (info.isDirectory) {
      out.push({ path: rel, type: "directory", mode });
      await walk(root, full, out, seen);
    } else if (info.isFile) {
      const inode = `${info.dev}:${info.ino}`;
      const first = info.nlink !== null && info.nlink > 1 ? seen.get(inode) : undefined;
      if (first !== undefined) {
        out.push({ path: rel, type: "symlink", linkTarget: relative(dirname(rel), first) });
        continue;
      }
      seen.set(inode, rel);
      out.push({ path: rel, data: await Deno.readFile(full), mode });
    }
  }
}
