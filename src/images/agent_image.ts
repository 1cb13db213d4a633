/**
 * Builds an agent's image (`leash image build AGENT`, and `leash AGENT` the first time) on the
 * Debian base, unless the image of the same recipe exists. A failing step is reported with
 * the builder's last lines of it.
 */
import { createTar, DockerBuildError, type DockerClient, type TarEntry } from "../docker/mod.ts";
import type { AgentPreset } from "../agents/mod.ts";
import {
  agentDockerfile,
  agentImageTag,
  type AgentRecipe,
  type PackageSource,
} from "./agent_recipe.ts";
import { readLocalSource } from "./agent_source.ts";

/** Options of {@linkcode ensureAgentImage}. */
export interface AgentImageOptions {
  /** The Debian base image's tag (`leash image base`). */
  baseTag: string;
  /** `--from DIR|TARBALL`. @default the npm registry */
  from?: string | undefined;
  /** PEM roots for the build's npm (a TLS-intercepting proxy). @default none */
  ca?: string | undefined;
  /** Rebuild even when the image exists. @default false */
  force?: boolean | undefined;
  /** Progress lines (the build's steps). @default none */
  note?: (line: string) => void;
  signal?: AbortSignal | undefined;
}

/** What {@linkcode ensureAgentImage} did. */
export interface AgentImage {
  tag: string;
  /** False when the image of this recipe existed (a cache hit). */
  built: boolean;
}

/** The lines a step printed, without colours and the builder's own container lines. */
function stepLog(text: string): string[] {
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  return plain.split("\n").map((l) => l.trimEnd()).filter((l) =>
    l.trim() !== "" && !/^ ---> |^Removing intermediate container /.test(l)
  );
}

/** Lines of the failing step's output shown in the error. */
const TAIL_LINES = 20;

/** The recipe and build context of `preset` on the base `baseTag`. */
export async function agentImageRecipe(
  docker: DockerClient,
  preset: AgentPreset,
  options: Pick<AgentImageOptions, "baseTag" | "from">,
): Promise<{ recipe: AgentRecipe; entries: TarEntry[] }> {
  const base = await docker.images.inspect(options.baseTag);
  let source: PackageSource = { kind: "registry" };
  let entries: TarEntry[] = [];
  if (options.from !== undefined) {
    ({ source, entries } = await readLocalSource(preset, options.from));
  }
  return { recipe: { preset, baseId: base.Id, baseTag: options.baseTag, source }, entries };
}

/** Ensures the agent image of `preset` exists; resolves to its tag and whether it was built. */
export async function ensureAgentImage(
  docker: DockerClient,
  preset: AgentPreset,
  options: AgentImageOptions,
): Promise<AgentImage> {
  const { recipe, entries } = await agentImageRecipe(docker, preset, options);
  const tag = await agentImageTag(recipe);
  if (!options.force && await docker.images.exists(tag)) return { tag, built: false };
  const note = options.note ?? (() => {});
  const dockerfile = agentDockerfile(recipe);
  const context = createTar([
    { path: "Dockerfile", data: dockerfile },
    { path: "build-ca.pem", data: options.ca ?? "" },
    ...entries,
  ]);
  let output = "";
  try {
    await docker.images.build(context, {
      tag,
      signal: options.signal,
      onProgress: (message) => {
        if (typeof message.stream !== "string") return;
        const step = /^Step \d+\/\d+ : .*$/m.exec(message.stream);
        if (step) {
          output = "";
          note(`${preset.name} image: ${step[0].trim()}`);
        } else {
          output += message.stream;
        }
      },
    });
  } catch (error) {
    if (!(error instanceof DockerBuildError)) throw error;
    const code = /returned a non-zero code: (\d+)/.exec(error.engineMessage)?.[1];
    const tail = stepLog(output).slice(-TAIL_LINES).join("\n");
    throw new Error(
      `Cannot build the ${preset.title} image "${tag}": ${error.step || "a step"} failed${
        code ? ` with exit code ${code}` : `: ${error.engineMessage}`
      }${tail ? `\nLast lines of that step:\n${tail}` : ""}`,
      { cause: error },
    );
  }
  return { tag, built: true };
}
