/** The base and agent images as the CLI builds them: progress on stderr, caches in XDG dirs. */
import { join } from "node:path";
import type { AgentPreset } from "../agents/mod.ts";
import type { DockerClient } from "../docker/mod.ts";
import {
  AGENT_RECIPE,
  type AgentImage,
  debianImageTag,
  ensureAgentImage,
  ensureDebianImage,
} from "../images/mod.ts";
import type { CliContext } from "./context.ts";

/** Options of {@linkcode ensureAgentImageFor}. */
export interface AgentImageFlags {
  /** `--from DIR|TARBALL`. @default the npm registry */
  from?: string | undefined;
  /** `--ca FILE`. @default $LEASH_BUILD_CA, else none */
  ca?: string | undefined;
  /** `--force`: rebuild. @default false */
  force?: boolean;
}

/**
 * leash's cache dir, `$XDG_CACHE_HOME/leash`: the base image's rootfs tarball (`images/`) and
 * the login-state copies of `--agent-home copy` (`agent-home/`, outside the state dir, which no
 * session may mount).
 */
export function leashCacheDir(ctx: CliContext): string {
  const xdg = ctx.env("XDG_CACHE_HOME");
  const base = xdg && xdg.startsWith("/") ? xdg : join(ctx.env("HOME") ?? "/", ".cache");
  return join(base, "leash");
}

/** Where the base image's rootfs tarball is cached. */
export function imageCacheDir(ctx: CliContext): string {
  return join(leashCacheDir(ctx), "images");
}

/** Ensures the Debian base of the agent images (`leash image base`); resolves to its tag. */
export async function ensureBaseImage(docker: DockerClient, ctx: CliContext): Promise<string> {
  const tag = await debianImageTag(AGENT_RECIPE);
  if (await docker.images.exists(tag)) return tag;
  await ctx.err(`leash: building the base image ${tag} (debootstrap, about a minute, once)\n`);
  return await ensureDebianImage(docker, {
    recipe: AGENT_RECIPE,
    cacheDir: imageCacheDir(ctx),
    asRoot: "sudo leash image base",
    note: (line) => void ctx.err(`leash: ${line}\n`),
  });
}

/** Ensures `preset`'s image on the base (built first when absent), noting each build step. */
export async function ensureAgentImageFor(
  docker: DockerClient,
  preset: AgentPreset,
  ctx: CliContext,
  flags: AgentImageFlags,
): Promise<AgentImage> {
  const baseTag = await ensureBaseImage(docker, ctx);
  const caFile = flags.ca ?? ctx.env("LEASH_BUILD_CA");
  let ca: string | undefined;
  if (caFile !== undefined && caFile !== "") {
    try {
      ca = await Deno.readTextFile(caFile);
    } catch (error) {
      throw new Error(`Cannot read the build CA "${caFile}"`, { cause: error });
    }
  }
  let announced = false;
  return await ensureAgentImage(docker, preset, {
    baseTag,
    from: flags.from,
    ca,
    force: flags.force === true,
    note: (line) => {
      if (!announced) {
        announced = true;
        void ctx.err(
          `leash: building the ${preset.name} image (${preset.package.name}@${preset.package.version}; once per recipe)\n`,
        );
      }
      void ctx.err(`leash: ${line}\n`);
    },
  });
}
