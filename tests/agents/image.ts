/**
 * The images of the agent tests: the product's own, built by `leash image build AGENT` (the
 * Debian base, npm, the agent's package pinned by its preset), plus one thin layer that plants
 * the secret the scripted agent is asked to read (`/root/.ssh/id_rsa`: the presets forbid
 * `/root/.ssh/`). The ONE place the tier makes agent images; sessions run them with `leash
 * AGENT --image TAG`, so everything but the planted file is the preset's image.
 *
 * Content-addressed: the planted layer's tag is a hash of the agent image's tag and its
 * Dockerfile, so a warm run builds nothing (`leash image build` is a cache hit too).
 */
import { sha256Hex } from "../../src/assets.ts";
import { type AgentPreset, findPreset } from "../../src/agents/mod.ts";
import { createTar, type DockerClient } from "../../src/docker/mod.ts";
import { TEST_LABELS } from "../fixtures/busybox_image.ts";
import { leash, sandbox } from "../e2e/_session.ts";
import { PLANTED_KEY_PATH, PLANTED_KEY_TEXT } from "./fake_api/mod.ts";
import { buildEnv } from "./preset_fixture.ts";

/** The agents the tier drives. */
export type AgentName = "claude" | "codex" | "gemini" | "opencode";

/** The preset of `agent`. */
export function presetOf(agent: AgentName): AgentPreset {
  const preset = findPreset(agent);
  if (preset === undefined) throw new Error(`No preset "${agent}"`);
  return preset;
}

/** `leash image build AGENT` in a throwaway sandbox; resolves to the tag it printed. */
export async function buildProductImage(agent: AgentName): Promise<string> {
  await using box = await sandbox();
  const result = await leash(box, ["image", "build", agent], {
    HOME: box.root,
    ...await buildEnv(),
  });
  if (result.code !== 0) {
    throw new Error(`leash image build ${agent} exited ${result.code}:\n${result.stderr}`);
  }
  const tag = result.stdout.trim();
  if (!/^leash-agent-[a-z]+:[0-9a-f]{16}$/.test(tag)) {
    throw new Error(`leash image build ${agent} printed no image tag: "${tag}"`);
  }
  return tag;
}

/** The planted layer on `base`. */
export function plantedDockerfile(base: string): string {
  return [
    `FROM ${base}`,
    `RUN mkdir -p -m 700 /root/.ssh && printf '%s\\n' ${PLANTED_KEY_TEXT} > ${PLANTED_KEY_PATH}` +
    ` && chmod 600 ${PLANTED_KEY_PATH}`,
    "",
  ].join("\n");
}

/**
 * Makes sure `agent`'s test image exists: the product image from `leash image build AGENT`
 * with the planted key on top. Resolves to its tag.
 */
export async function ensureAgentImage(docker: DockerClient, agent: AgentName): Promise<string> {
  const base = await buildProductImage(agent);
  const dockerfile = plantedDockerfile(base);
  const hash = await sha256Hex(new TextEncoder().encode(dockerfile));
  const tag = `leash-test-agent-${agent}:${hash.slice(0, 12)}`;
  if (await docker.images.exists(tag)) return tag;
  await docker.images.build(createTar([{ path: "Dockerfile", data: dockerfile }]), {
    tag,
    labels: TEST_LABELS,
  });
  return tag;
}
