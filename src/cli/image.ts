/** `leash image build AGENT` and `leash image base`: the images leash builds without a registry. */
import { DockerClient } from "../docker/mod.ts";
import { boolFlag, parseFlags, stringFlag } from "./args.ts";
import { type Command, showHelp } from "./command.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";
import { presetOrUsage } from "./agents.ts";
import { ensureAgentImageFor, ensureBaseImage } from "./image_build.ts";

/** `leash image`: build the base or an agent's image. */
export const imageCommand: Command = {
  name: "image",
  summary: "Build an agent's image (leash image build claude) or the Debian base",
  usage: "leash image build AGENT [--from DIR|TARBALL] [--ca FILE] [--force] | leash image base",
  help: [
    "  build AGENT   The agent's image: the Debian base, npm (Debian's), and the agent's npm",
    "                package at the preset's pinned version. Tagged leash-agent-AGENT:<hash of",
    "                the recipe>; built once, then a cache hit until the recipe changes. Prints",
    "                the tag. leash AGENT builds it on first use the same way.",
    "  base          The Debian 12 base (debootstrap from Debian's mirror: ca-certificates,",
    "                curl, git, nodejs). Needs root (debootstrap): sudo leash image base; the",
    "                image is then in the engine for every user of it.",
    "",
    "Flags of build:",
    "  --from DIR|TARBALL  The package from disk instead of the npm registry: DIR is an npm",
    "                      prefix made with npm install -g --prefix DIR PKG@VERSION (npm 11: add",
    "                      --allow-scripts=PKG), copied as is, no network; TARBALL is the",
    "                      package's npm pack .tgz (its dependencies still come from the registry)",
    "  --ca FILE           PEM roots the build's npm trusts (a TLS-intercepting proxy; else",
    "                      $LEASH_BUILD_CA)",
    "  --force             Rebuild even when the image exists",
  ].join("\n"),
  async run(args, ctx) {
    const flags = parseFlags("image", args, {
      from: { type: "string" },
      ca: { type: "string" },
      force: { type: "boolean" },
    });
    if (flags.values.help) return await showHelp(this, ctx);
    const [sub, name, extra] = flags.positionals;
    if (sub === "base") {
      if (name !== undefined) throw new UsageError(`Unexpected argument: "${name}"`, "image");
      return await withDocker(ctx, async (docker) => {
        await ctx.out(`${await ensureBaseImage(docker, ctx)}\n`);
        return 0;
      });
    }
    if (sub !== "build") {
      throw new UsageError(
        sub === undefined
          ? "Missing subcommand: leash image build AGENT, or leash image base"
          : `Unknown subcommand "${sub}": use build or base`,
        "image",
      );
    }
    if (name === undefined) throw new UsageError("Missing AGENT: leash image build AGENT", "image");
    if (extra !== undefined) throw new UsageError(`Unexpected argument: "${extra}"`, "image");
    const preset = presetOrUsage(name, "image");
    return await withDocker(ctx, async (docker) => {
      const image = await ensureAgentImageFor(docker, preset, ctx, {
        from: stringFlag(flags, "from"),
        ca: stringFlag(flags, "ca"),
        force: boolFlag(flags, "force"),
      });
      if (!image.built) await ctx.err(`leash: ${image.tag} is built already (same recipe)\n`);
      await ctx.out(`${image.tag}\n`);
      return 0;
    });
  },
};

async function withDocker(
  ctx: CliContext,
  body: (docker: DockerClient) => Promise<number>,
): Promise<number> {
  const docker = await DockerClient.connect({ env: (name) => ctx.env(name) });
  try {
    return await body(docker);
  } finally {
    docker.close();
  }
}
