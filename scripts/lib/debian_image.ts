/**
 * `scripts/debian-image`: the Debian image of `leash image base` (src/images/, the same code the
 * binary runs), its rootfs tarball cached under build/ (git-ignored). Also re-exported for the
 * e2e test fixture (tests/fixtures/debian_image.ts: curl and node in sessions).
 *
 * Usage: deno run -A scripts/lib/debian_image.ts [PACKAGE...]   (prints the tag)
 */
import { parseArgs } from "node:util";
import { DockerClient } from "../../src/docker/mod.ts";
import {
  AGENT_RECIPE,
  DEBIAN_RECIPE,
  type DebianImageOptions as ImageOptions,
  debianImageTag,
  type DebianRecipe,
  ensureDebianImage as ensureImage,
} from "../../src/images/mod.ts";

export { AGENT_RECIPE, DEBIAN_RECIPE, debianImageTag, type DebianRecipe };

const BUILD_DIR = new URL("../../build/", import.meta.url).pathname;

/** Options of {@linkcode ensureDebianImage}: the cache dir defaults to the clone's build/. */
export type DebianImageOptions = Partial<ImageOptions>;

/** `ensureDebianImage` of src/images with the clone's build/ as cache and progress on stderr. */
export function ensureDebianImage(
  docker: DockerClient,
  options: DebianImageOptions = {},
): Promise<string> {
  return ensureImage(docker, {
    cacheDir: BUILD_DIR,
    asRoot: "sudo scripts/debian-image",
    note: (line) => say(Deno.stderr, line),
    ...options,
  });
}

function say(stream: typeof Deno.stdout | typeof Deno.stderr, line: string): void {
  stream.writeSync(new TextEncoder().encode(`${line}\n`));
}

if (import.meta.main) {
  let packages: string[];
  try {
    packages = parseArgs({ allowPositionals: true, strict: true }).positionals;
  } catch (error) {
    say(Deno.stderr, `error: ${error instanceof Error ? error.message : String(error)}`);
    say(Deno.stderr, "Usage: scripts/debian-image [PACKAGE...]   (extra Debian packages)");
    Deno.exit(2);
  }
  const bad = packages.find((p) => !/^[a-z0-9][a-z0-9+.-]+$/.test(p));
  if (bad !== undefined) {
    say(
      Deno.stderr,
      `error: "${bad}" is not a Debian package name (lower-case letters, digits, + - .)`,
    );
    Deno.exit(2);
  }
  try {
    using docker = await DockerClient.connect();
    const include = [...new Set([...AGENT_RECIPE.include, ...packages])].sort();
    say(Deno.stdout, await ensureDebianImage(docker, { recipe: { ...AGENT_RECIPE, include } }));
  } catch (error) {
    say(Deno.stderr, `error: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
