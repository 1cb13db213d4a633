/**
 * The recipe of an agent's image: the Debian base, npm from Debian, the agent's npm package at
 * its pinned version (from the npm registry, an `npm pack` tarball, or a ready npm prefix
 * copied as is), as a Dockerfile. The tag is a hash of what goes in, so the image is rebuilt
 * only when the recipe changes.
 */
import { sha256Hex } from "../assets.ts";
import { type AgentPreset, CONTAINER_HOME } from "../agents/mod.ts";

/** Repository of agent images: `leash-agent-NAME:HASH`. */
export const AGENT_IMAGE_PREFIX = "leash-agent-";

/** Label on agent images: the preset's name. */
export const AGENT_LABEL = "leash.agent";

/** Bumped when the Dockerfile's shape changes. */
const RECIPE_VERSION = 1;

/** Where the package comes from. */
export type PackageSource =
  | { kind: "registry" }
  | { kind: "tarball"; sha256: string }
  | { kind: "prefix"; sha256: string };

/** Everything that decides the image's content. */
export interface AgentRecipe {
  preset: AgentPreset;
  /** The base image's id (`sha256:...`), so a rebuilt base rebuilds the agent image. */
  baseId: string;
  baseTag: string;
  source: PackageSource;
}

/** The package directory npm installs the agent into. */
export function packageDir(preset: AgentPreset): string {
  return `/usr/local/lib/node_modules/${preset.package.name}`;
}

/** The Dockerfile of `recipe` (its build context: `build-ca.pem`, and `agent.tgz` or `prefix/`). */
export function agentDockerfile(recipe: AgentRecipe): string {
  const { preset, source } = recipe;
  const pkg = `${preset.package.name}@${preset.package.version}`;
  const runtime = preset.package.runtime;
  const npmInstall = (what: string) =>
    // The CA (from --ca or LEASH_BUILD_CA) is for a TLS-intercepting proxy between the build
    // and the registry; it is empty otherwise and removed after the step.
    `RUN sh -c 'if [ -s /tmp/leash-build-ca.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/leash-build-ca.pem; fi; ` +
    `npm install -g --no-fund --no-audit --no-update-notifier --loglevel=warn ${what}' && rm -f /tmp/leash-build-ca.pem`;
  const lines = [`FROM ${recipe.baseTag}`];
  if (source.kind === "prefix") {
    lines.push("COPY prefix/ /usr/local/");
  } else {
    lines.push(
      "RUN apt-get update && apt-get install -y --no-install-recommends npm && rm -rf /var/lib/apt/lists/*",
      "COPY build-ca.pem /tmp/leash-build-ca.pem",
    );
    const extra = runtime ? ` ${runtime.package}@${runtime.version}` : "";
    if (source.kind === "tarball") {
      lines.push("COPY agent.tgz /tmp/agent.tgz", npmInstall(`/tmp/agent.tgz${extra}`));
      lines.push("RUN rm -f /tmp/agent.tgz");
    } else {
      lines.push(npmInstall(`${pkg}${extra}`));
    }
  }
  if (runtime) {
    lines.push(`RUN ln -sf ${runtime.binary} /usr/local/bin/node && node --version`);
  }
  const manifest = `${packageDir(preset)}/package.json`;
  lines.push(
    `RUN test "$(node -p 'require(\"${manifest}\").version')" = "${preset.package.version}" || ` +
      `{ echo "${manifest}: not version ${preset.package.version}" >&2; exit 1; }`,
    `RUN command -v ${preset.command}`,
  );
  const stateDirs = agentStateDirs(preset);
  if (stateDirs.length > 0) lines.push(`RUN mkdir -p ${stateDirs.join(" ")}`);
  lines.push(
    `LABEL ${AGENT_LABEL}="${preset.name}" leash.agent.package="${pkg}"`,
    `CMD ["${preset.command}"]`,
    "",
  );
  return lines.join("\n");
}

/**
 * The agent's own state directories in the container's home (its login-state dirs), made in
 * the image: where Landlock is the file layer, the presets' forbid of `~/.config/gcloud/` (two
 * levels down, so its mask cannot let the home be granted whole for writing; unmasked when
 * `~/.config` is not in the image) grants the home's existing children one by one, so a
 * directory the agent would create in the home at run time could not be created.
 */
export function agentStateDirs(preset: AgentPreset): string[] {
  return preset.loginState.filter((p) => p.endsWith("/")).map((p) =>
    `${CONTAINER_HOME}/${p.slice(0, -1)}`
  );
}

/** The content-addressed tag of `recipe`: `leash-agent-NAME:<16 hex>`. */
export async function agentImageTag(recipe: AgentRecipe): Promise<string> {
  const key = JSON.stringify({
    v: RECIPE_VERSION,
    base: recipe.baseId,
    package: recipe.preset.package,
    source: recipe.source,
    dockerfile: agentDockerfile(recipe),
  });
  const hash = await sha256Hex(new TextEncoder().encode(key));
  return `${AGENT_IMAGE_PREFIX}${recipe.preset.name}:${hash.slice(0, 16)}`;
}
