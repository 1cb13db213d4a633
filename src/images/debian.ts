/**
 * A Debian 12 image for sessions, made without any registry: a `debootstrap --variant=minbase`
 * root filesystem with a few packages, imported with leash's own Docker client (`docker
 * import`). The tag carries a hash of the recipe, so changing the package list rebuilds it; the
 * rootfs tarball is cached (`cacheDir`), so a removed image is re-imported without running
 * debootstrap again. Used by `leash image base` (the base of the agent images), by
 * `scripts/debian-image` and by the e2e tests (tests/fixtures/debian_image.ts).
 */
import { join } from "node:path";
import { sha256Hex } from "../assets.ts";
import type { DockerClient } from "../docker/mod.ts";

/** What the image is made from; every field is part of its tag. */
export interface DebianRecipe {
  suite: string;
  mirror: string;
  /** Packages beyond the minbase variant. */
  include: string[];
}

/** The recipe of the image the e2e TLS tests use. */
export const DEBIAN_RECIPE: DebianRecipe = {
  suite: "bookworm",
  mirror: "http://deb.debian.org/debian",
  include: ["ca-certificates", "curl", "nodejs"],
};

/** The recipe of `scripts/debian-image`: what a coding agent needs at least. */
export const AGENT_RECIPE: DebianRecipe = {
  ...DEBIAN_RECIPE,
  include: ["ca-certificates", "curl", "git", "nodejs"],
};

/** Trimmed from the rootfs after debootstrap: caches and docs nothing in the tests reads. */
const TRIM = [
  "var/cache/apt/archives",
  "var/cache/apt/pkgcache.bin",
  "var/cache/apt/srcpkgcache.bin",
  "var/lib/apt/lists",
  "usr/share/doc",
  "usr/share/man",
  "usr/share/info",
  "usr/share/locale",
];

/** Bumped when the way the rootfs is made changes (a new tag, a rebuild). */
const RECIPE_VERSION = 1;

/** Options of `ensureDebianImage()`. */
export interface DebianImageOptions {
  /** Repository part of the tag. @default {"leash-debian"} */
  repository?: string;
  /** Labels of the image (tests mark theirs for cleanup). */
  labels?: Record<string, string>;
  /** The recipe. @default {DEBIAN_RECIPE} */
  recipe?: DebianRecipe;
  /** Where the rootfs tarball is cached. */
  cacheDir: string;
  /** Progress lines (debootstrap takes minutes the first time). @default {none} */
  note?: (line: string) => void;
  /** The command that builds the image as root, for the error a non-root user gets. */
  asRoot?: string;
}

/** The tag of a recipe's image, e.g. `leash-test-debian:0c1d2e3f4a5b`. */
export async function debianImageTag(
  recipe: DebianRecipe = DEBIAN_RECIPE,
  repository = "leash-debian",
): Promise<string> {
  const key = JSON.stringify({
    v: RECIPE_VERSION,
    suite: recipe.suite,
    mirror: recipe.mirror,
    include: [...recipe.include].sort(),
    trim: TRIM,
  });
  return `${repository}:${(await sha256Hex(new TextEncoder().encode(key))).slice(0, 12)}`;
}

/**
 * Makes sure the Debian image exists and resolves to its tag. Builds it once: the cached
 * rootfs tarball when present, else debootstrap (root and the `debootstrap` package needed;
 * the error says how to get them).
 */
export async function ensureDebianImage(
  docker: DockerClient,
  options: DebianImageOptions,
): Promise<string> {
  const recipe = options.recipe ?? DEBIAN_RECIPE;
  const tag = await debianImageTag(recipe, options.repository);
  if (await docker.images.exists(tag)) return tag;
  const note = options.note ?? (() => {});
  const cacheDir = options.cacheDir;
  const asRoot = options.asRoot ?? "sudo leash image base";
  const name = `debian-rootfs-${tag.slice(tag.lastIndexOf(":") + 1)}`;
  // Concurrent test runs build once: the second waits for the first's tarball.
  using lock = await openLock(cacheDir, `${name}.lock`, tag, asRoot);
  await lock.lock(true);
  if (await docker.images.exists(tag)) return tag;
  const tarball = join(cacheDir, `${name}.tar`);
  if (!await exists(tarball)) {
    const started = performance.now();
    note(`debian image: debootstrap ${recipe.suite} with ${recipe.include.join(",")} (once)`);
    await buildRootfsTarball(recipe, join(cacheDir, name), tarball, asRoot);
    const size = (await Deno.stat(tarball)).size;
    note(
      `debian image: rootfs ${(size / 1e6).toFixed(0)} MB in ${
        ((performance.now() - started) / 1000).toFixed(0)
      } s, cached at ${tarball}`,
    );
  }
  using file = await Deno.open(tarball);
  await docker.images.import(file.readable, tag, {
    changes: [
      "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      'CMD ["/bin/bash"]',
      ...Object.entries(options.labels ?? {}).map(([k, v]) => `LABEL ${k}=${v}`),
    ],
    message: `leash: debootstrap ${recipe.suite} + ${recipe.include.join(",")}`,
  });
  return tag;
}

/** Opens (creates) the build lock in `cacheDir`; a directory the user cannot write is named. */
async function openLock(
  cacheDir: string,
  name: string,
  tag: string,
  asRoot: string,
): Promise<Deno.FsFile> {
  try {
    await Deno.mkdir(cacheDir, { recursive: true });
    return await Deno.open(join(cacheDir, name), { create: true, write: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    throw new Error(
      `Cannot build the Debian image "${tag}": its cache dir "${cacheDir}" is not writable for uid ${Deno.uid()}: run it once as root: ${asRoot}; the image is then in the engine for every user of it`,
      { cause: error },
    );
  }
}

/** Runs debootstrap into `dir`, trims it, and writes its tarball atomically to `tarball`. */
async function buildRootfsTarball(
  recipe: DebianRecipe,
  dir: string,
  tarball: string,
  asRoot: string,
): Promise<void> {
  await removeRootfs(dir);
  const log = `${dir}.log`;
  await Deno.remove(log).catch(() => {});
  try {
    await run(
      "debootstrap",
      [
        "--variant=minbase",
        `--include=${recipe.include.join(",")}`,
        recipe.suite,
        dir,
        recipe.mirror,
      ],
      log,
      asRoot,
    );
    for (const path of TRIM) {
      await Deno.remove(join(dir, path), { recursive: true }).catch(() => {});
    }
    // Docker gives every container its own /dev, /proc and /sys.
    await run(
      "tar",
      [
        "--numeric-owner",
        "--exclude=./dev/*",
        "--exclude=./proc/*",
        "--exclude=./sys/*",
        "-C",
        dir,
        "-cf",
        `${tarball}.tmp`,
        ".",
      ],
      log,
      asRoot,
    );
    await Deno.rename(`${tarball}.tmp`, tarball);
  } finally {
    await Deno.remove(`${tarball}.tmp`).catch(() => {});
    await removeRootfs(dir);
  }
}

/** Removes a rootfs dir, first unmounting what a failed debootstrap left mounted in it. */
async function removeRootfs(dir: string): Promise<void> {
  const mounts = (await Deno.readTextFile("/proc/self/mounts")).split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) {
    await new Deno.Command("umount", { args: ["-l", point], stdout: "null", stderr: "null" })
      .output();
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

/** Runs a tool, appending its output to `log`; throws with the fix or the output's tail. */
async function run(tool: string, args: string[], log: string, asRoot: string): Promise<void> {
  if (tool === "debootstrap" && Deno.uid() !== 0) {
    throw new Error(
      `Cannot build the Debian image as uid ${Deno.uid()}: debootstrap needs root: run once: ${asRoot}; the image it imports is then in the engine for every user of it (docker group included)`,
    );
  }
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(tool, {
      args,
      env: { PATH: `/usr/local/sbin:/usr/sbin:/sbin:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}` },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot build the Debian image: ${tool} is missing; install it with: apt-get install ${tool}`,
        { cause: error },
      );
    }
    throw error;
  }
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  await Deno.writeTextFile(log, `$ ${tool} ${args.join(" ")}\n${text}`, { append: true });
  if (!output.success) {
    const tail = text.trim().split("\n").slice(-8).join("\n");
    throw new Error(
      `Cannot build the Debian image: ${tool} exited with status ${output.code} (full output: ${log}):\n${tail}`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
