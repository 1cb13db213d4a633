import {
  dockerFacts,
  gatherFacts,
  type LayerStatus,
  postureReport,
  type ProbeFacts,
  renderPosture,
  runProbe,
  runProbeInContainer,
} from "../posture/mod.ts";
import { DockerClient } from "../docker/mod.ts";
import { VERSION } from "../version.ts";
import { parseFlags } from "./args.ts";
import { type Command, showHelp } from "./command.ts";
import { paint } from "./context.ts";

const STATUS_STYLE = { active: "green", degraded: "yellow", off: "red" } as const;

/** `leash doctor`: the host's enforcement posture, measured. */
export const doctorCommand: Command = {
  name: "doctor",
  summary: "Report which enforcement layers this host supports, with reasons and fixes",
  usage: "leash doctor [--json]",
  help: [
    "Measures the host: Docker, cgroup layout, LSM list, BTF, Landlock ABI, bpffs, tracefs,",
    "and (as root, once the native half is built) loads real eBPF programs to see which",
    "program types the kernel accepts. Each layer is reported as active, degraded or off,",
    "with the reason and the fix. Exit status is 0 whatever the posture.",
    "",
    "Flags:",
    "  --json  Print the report as JSON (stable: schema 1)",
    "",
    "Environment: DOCKER_HOST (unix://, tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, ssh://),",
    "LEASH_DOCKER_INSECURE=1 (plain tcp), LEASH_SSH_CONFIG (ssh -F)",
  ].join("\n"),
  async run(args, ctx) {
    const flags = parseFlags("doctor", args, { json: { type: "boolean" } }, {
      allowPositionals: false,
    });
    if (flags.values.help) return await showHelp(this, ctx);
    const facts = await gatherFacts({
      docker: () => dockerFacts((name) => ctx.env(name)),
      probe: () => probe((name) => ctx.env(name), (text) => ctx.err(text)),
    });
    const report = postureReport(facts, VERSION);
    if (flags.values.json) {
      await ctx.out(JSON.stringify(report, null, 2) + "\n");
      return 0;
    }
    const painter = (status: LayerStatus, text: string) => paint(ctx, STATUS_STYLE[status], text);
    await ctx.out(renderPosture(report, painter));
    return 0;
  },
};

/**
 * Probes in a manager container when Docker answers (the context sessions load programs in);
 * otherwise on the host, which needs root.
 */
async function probe(
  env: (name: string) => string | undefined,
  note: (text: string) => void,
): Promise<ProbeFacts> {
  let client: DockerClient;
  try {
    client = await DockerClient.connect({ env });
  } catch {
    return await runProbe();
  }
  try {
    return await runProbeInContainer(client, {
      onBuild: () => note("leash: building the manager image for the eBPF probe\n"),
    });
  } finally {
    client.close();
  }
}
