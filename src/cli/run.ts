import { boolFlag, listFlag, parseFlags, stringFlag } from "./args.ts";
import { type Command, showHelp } from "./command.ts";
import { UsageError } from "./errors.ts";
import { DockerClient } from "../docker/mod.ts";
import { rotationFromEnv } from "../events/mod.ts";
import {
  leashDirs,
  parseDisabledLayers,
  parseLimits,
  parseRequired,
  parseUpstreamPins,
  type RunIo,
  runSession,
  type SessionSignal,
} from "../session/mod.ts";
import { makeRaw } from "./terminal.ts";
import { leashCacheDir } from "./image_build.ts";
import { parseListen } from "../ui/mod.ts";
import { parseTransportSetting } from "../transport/mod.ts";
import { presetOrUsage } from "./agents.ts";
import {
  type AgentPlan,
  type AgentSession,
  parseHomeMode,
  planAgent,
  prepareAgentSession,
} from "./agent_session.ts";

const MODES = ["record", "shadow", "enforce"] as const;

/** `leash run`: run a command in a governed container. */
export const runCommand: Command = {
  name: "run",
  summary: "Run a command (an AI agent) in a container under policy",
  usage:
    "leash run [FLAGS] [--] COMMAND [ARGS...]  |  leash run --agent NAME [FLAGS] [--] [ARGS...]",
  help: [
    "Runs COMMAND in a new container of the image with the current directory mounted at the",
    "same path (and used as the working directory). The policy is enforced before the",
    "command's first instruction. leash exits with the command's status.",
    "",
    "Flags:",
    "  --image IMG                   Target image (else $LEASH_TARGET_IMAGE); never pulled",
    "  --policy FILE                 Cedar policy (else ./leash.cedar, else the built-in default)",
    "  --mode record|shadow|enforce  Enforcement mode (default enforce)",
    "  -e, --env KEY[=VAL]           Set an environment variable (KEY alone: from this shell)",
    "  -v, --volume SRC:DST[:ro]     Bind-mount a host path",
    "  -w, --workdir DIR             Working directory in the container (default: the cwd)",
    "  --user UID[:GID]              Run the command as this user (default: the image's USER)",
    "  --require LAYER,...           Fail unless these layers are active (see leash doctor)",
    "  --allow-degraded              Start even when neither kernel-lsm nor Landlock can",
    "                                enforce the file/exec rules (refused by default)",
    "  --bootstrap-timeout SECONDS   Bound on the start-up handshake (else",
    "                                $LEASH_BOOTSTRAP_TIMEOUT, else 30)",
    "  --secret NAME=SOURCE          A secret the proxy may inject (env:VAR, file:PATH, cmd:...)",
    "  --listen HOST:PORT            Control UI address (default 127.0.0.1:18080, or a free",
    '                                loopback port when that is taken; "" for no UI)',
    "  -I, --no-interactive          No TTY even when stdin is a terminal",
    "  --pids-limit N|none           Most processes at once in the container (default 4096)",
    "  --memory SIZE|none            Memory limit, e.g. 2g (default half of this host's memory)",
    "  --cpus N|none                 CPU limit, e.g. 1.5 (default none)",
    "  --strict                      Refuse to start when a forbid cannot hold as written (e.g.",
    "                                a ProcessExec forbid naming a symlink)",
    "",
    "Agents (leash run --agent NAME is leash NAME; see leash agents):",
    "  --agent NAME                  Run an agent preset: claude, codex, gemini or opencode; its",
    "                                image is built on first use; ARGS go to the agent",
    "  --policy FILE                 With --agent: rules added to the preset's policy",
    "  --policy-replace FILE         With --agent: a policy used instead of the preset's",
    "  --yolo                        With --agent: the agent's own permission prompts off",
    "                                (leash's policy is the guard)",
    "  --agent-home mount|copy|none  With --agent: how its login state (~/.claude, ~/.codex, ...)",
    "                                enters the container (default: none with an API key, else",
    "                                per agent); the banner says when tokens are inside",
    "  --allow-telemetry             With --agent: let its telemetry and update hosts through",
    "",
    "Environment: LEASH_TARGET_IMAGE, LEASH_BOOTSTRAP_TIMEOUT, LEASH_PRIVATE_DIR (CA key dir),",
    "XDG_STATE_HOME (sessions and logs), XDG_RUNTIME_DIR (sockets), DOCKER_HOST,",
    "LEASH_EVENTS_MAX_MB (events.ndjson's size cap, default 64) and LEASH_EVENTS_FILES (files kept,",
    "default 4: events.ndjson, .1, .2, .3; events rotated away are counted in the drops).",
    "Test/advanced: LEASH_UPSTREAM_CA=FILE (PEM roots the proxy trusts for upstream TLS beside",
    "the host's store), LEASH_UPSTREAM_HOSTS=NAME=ADDR[:PORT],... (the proxy dials NAME at ADDR,",
    "and at PORT instead of the agent's port when given, and leash's DNS answers NAME; a loopback",
    "ADDR is answered with 192.0.2.1, which the relay takes).",
    "Engines that cannot see this machine's files: LEASH_SESSION_TRANSPORT=archive|bind-mount",
    "(default: archive for an engine on another kernel, tcp:// and ssh:// included) and",
    "LEASH_RELAY_ADDRESS=ADDR[:PORT] (where leash listens for the bridge's relay streams, an",
    "address of this machine the engine's containers reach; default: for tcp:// and ssh:// the",
    "local address of leash's connection to the engine, refused when loopback; otherwise the",
    "engine's bridge gateway).",
    "Diagnostic: LEASH_DISABLE_LAYERS=LAYER,... (kernel-lsm, cgroup-net, observe, landlock) runs",
    "the session without those layers; the posture shows them off, and --require still refuses",
    "them.",
  ].join("\n"),
  async run(args, ctx) {
    const flags = parseFlags("run", args, {
      image: { type: "string" },
      policy: { type: "string" },
      mode: { type: "string" },
      env: { type: "string", short: "e", multiple: true },
      volume: { type: "string", short: "v", multiple: true },
      workdir: { type: "string", short: "w" },
      user: { type: "string" },
      require: { type: "string", multiple: true },
      "allow-degraded": { type: "boolean" },
      "bootstrap-timeout": { type: "string" },
      secret: { type: "string", multiple: true },
      listen: { type: "string" },
      "no-interactive": { type: "boolean", short: "I" },
      "pids-limit": { type: "string" },
      memory: { type: "string" },
      cpus: { type: "string" },
      strict: { type: "boolean" },
      ...AGENT_FLAGS,
    }, { stopAtPositional: true });
    if (flags.values.help) return await showHelp(this, ctx);
    const agentName = stringFlag(flags, "agent");
    const agentOnly = ["policy-replace", "yolo", "agent-home", "allow-telemetry"]
      .find((name) => flags.values[name] !== undefined);
    if (agentName === undefined && agentOnly !== undefined) {
      throw new UsageError(`Flag "--${agentOnly}" needs an agent: leash run --agent NAME`, "run");
    }
    const agent = agentName === undefined ? undefined : await agentPlan(agentName, flags, ctx);
    const command = flags.positionals;
    if (command.length === 0 && agent === undefined) {
      throw new UsageError("Missing COMMAND: write leash run [FLAGS] -- COMMAND [ARGS...]", "run");
    }
    // An agent's image is its preset's (built when absent) unless --image names one.
    const image = stringFlag(flags, "image") ?? (agent ? "" : ctx.env("LEASH_TARGET_IMAGE"));
    if (!image && !agent) {
      throw new UsageError(
        "No target image: pass --image IMG or set LEASH_TARGET_IMAGE (leash never pulls; build or load the image first)",
        "run",
      );
    }
    const mode = stringFlag(flags, "mode") ?? "enforce";
    if (!(MODES as readonly string[]).includes(mode)) {
      throw new UsageError(`Invalid --mode "${mode}": use record, shadow or enforce`, "run");
    }
    const timeoutText = stringFlag(flags, "bootstrap-timeout") ??
      ctx.env("LEASH_BOOTSTRAP_TIMEOUT") ?? "30";
    const timeout = Number(timeoutText);
    if (!(timeout > 0 && timeout <= 86400)) {
      throw new UsageError(
        `Invalid bootstrap timeout "${timeoutText}": use seconds between 0 and 86400`,
        "run",
      );
    }
    const required = asUsage(() => parseRequired(listFlag(flags, "require")));
    const listen = stringFlag(flags, "listen");
    if (listen !== undefined && listen !== "") asUsage(() => parseListen(listen));
    const volumes = listFlag(flags, "volume").map((v) => {
      const [src = "", dst = "", opt, extra] = v.split(":");
      if (
        !src.startsWith("/") || !dst.startsWith("/") || extra !== undefined ||
        (opt !== undefined && opt !== "ro" && opt !== "rw")
      ) {
        throw new UsageError(`Invalid --volume "${v}": use /HOST/PATH:/CONTAINER/PATH[:ro]`, "run");
      }
      return v;
    });
    const env = listFlag(flags, "env").flatMap((e) => {
      if (e.includes("=")) return [e];
      const value = ctx.env(e);
      return value === undefined ? [] : [`${e}=${value}`];
    });
    const keyVariable = agent?.request.preset.credentials.flatMap((c) => c.env)
      .find((v) => env.some((e) => e.startsWith(`${v}=`)));
    if (keyVariable !== undefined) {
      throw new UsageError(
        `Remove -e ${keyVariable}: it would put the key inside the container; leash injects it from the host (set it in this shell, or --secret ${keyVariable}=SOURCE)`,
        "run",
      );
    }
    const user = stringFlag(flags, "user");
    if (user !== undefined && !/^\d+(:\d+)?$/.test(user)) {
      throw new UsageError(`Invalid --user "${user}": use UID or UID:GID (numbers)`, "run");
    }
    const limits = asUsage(() =>
      parseLimits({
        pidsLimit: stringFlag(flags, "pids-limit"),
        memory: stringFlag(flags, "memory"),
        cpus: stringFlag(flags, "cpus"),
      }, Deno.systemMemoryInfo().total)
    );
    const disabledLayers = asUsage(() =>
      parseDisabledLayers(ctx.env("LEASH_DISABLE_LAYERS") ?? "")
    );
    const upstreamPins = asUsage(() => parseUpstreamPins(ctx.env("LEASH_UPSTREAM_HOSTS") ?? ""));
    const eventsRotation = asUsage(() => rotationFromEnv((name) => ctx.env(name)));
    const sessionTransport = asUsage(() =>
      parseTransportSetting(ctx.env("LEASH_SESSION_TRANSPORT"))
    );
    const terminal = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
    const tty = terminal && !boolFlag(flags, "no-interactive");
    const stdinOpen = tty || !Deno.stdin.isTerminal();
    const docker = await DockerClient.connect({ env: (name) => ctx.env(name) });
    const dirs = leashDirs((name) => ctx.env(name), Deno.uid());
    let session: AgentSession | undefined;
    try {
      if (agent) session = await prepareAgentSession(agent, ctx, docker, leashCacheDir(ctx));
    } catch (error) {
      docker.close();
      throw error;
    }
    const io: RunIo = {
      docker,
      dirs,
      cwd: Deno.cwd(),
      privateDir: ctx.env("LEASH_PRIVATE_DIR"),
      entryBinary: ctx.env("LEASH_ENTRY_BINARY"),
      sessionTransport,
      relayAddress: ctx.env("LEASH_RELAY_ADDRESS"),
      upstream: { caFile: ctx.env("LEASH_UPSTREAM_CA"), ...upstreamPins },
      eventsRotation,
      note: (text) => ctx.err(text),
      stdio: {
        stdin: stdinOpen ? Deno.stdin.readable : null,
        writeOut: (data) => writeAll(Deno.stdout, data),
        writeErr: (data) => writeAll(Deno.stderr, data),
      },
      onSignal(handler) {
        const signals: SessionSignal[] = ["SIGINT", "SIGTERM"];
        // SIGHUP only on a terminal: its hangup ends the session (under nohup stdin is no
        // terminal, and a listener would undo nohup's ignoring it).
        if (tty) signals.push("SIGWINCH", "SIGHUP");
        const listeners = signals.map((s) => [s, () => handler(s)] as const);
        for (const [s, l] of listeners) Deno.addSignalListener(s, l);
        return () => {
          for (const [s, l] of listeners) Deno.removeSignalListener(s, l);
        };
      },
      consoleSize: () => {
        try {
          return { rows: Deno.consoleSize().rows, columns: Deno.consoleSize().columns };
        } catch {
          return undefined;
        }
      },
      setRaw: makeRaw,
    };
    try {
      return await runSession({
        image: session?.image ?? image ?? "",
        command: session?.command ?? command,
        policyFlag: session ? undefined : stringFlag(flags, "policy"),
        presetPolicy: session?.policy,
        mode: mode as typeof MODES[number],
        env: [...session?.env ?? [], ...env],
        volumes: [...session?.volumes ?? [], ...volumes],
        workdir: stringFlag(flags, "workdir"),
        user,
        require: required,
        allowDegraded: boolFlag(flags, "allow-degraded"),
        bootstrapTimeoutS: timeout,
        secrets: session?.secrets ?? listFlag(flags, "secret"),
        derivedSecrets: session?.derived,
        tty,
        disabledLayers,
        listen,
        limits,
        strict: boolFlag(flags, "strict"),
      }, io);
    } finally {
      // The copy's cleanup may need the engine (what the agent made there is root's).
      try {
        await session?.cleanup();
      } finally {
        docker.close();
      }
    }
  },
};

/** The flags only an agent session takes (`--agent` or `leash NAME`). */
const AGENT_FLAGS = {
  agent: { type: "string" },
  "policy-replace": { type: "string" },
  yolo: { type: "boolean" },
  "agent-home": { type: "string" },
  "allow-telemetry": { type: "boolean" },
} as const;

/**
 * Checks an agent session's input before anything starts: the preset exists (else a usage
 * error listing them), the agent flags, credentials or login state.
 */
async function agentPlan(
  name: string,
  flags: ReturnType<typeof parseFlags>,
  ctx: Parameters<Command["run"]>[1],
): Promise<AgentPlan> {
  const preset = presetOrUsage(name, "run");
  if (stringFlag(flags, "policy") !== undefined && stringFlag(flags, "policy-replace")) {
    throw new UsageError("Use --policy (add to the preset) or --policy-replace, not both", "run");
  }
  return await planAgent(
    {
      preset,
      args: flags.positionals,
      yolo: boolFlag(flags, "yolo"),
      home: parseHomeMode(stringFlag(flags, "agent-home"), "run"),
      allowTelemetry: boolFlag(flags, "allow-telemetry"),
      policyAdd: stringFlag(flags, "policy"),
      policyReplace: stringFlag(flags, "policy-replace"),
      secrets: listFlag(flags, "secret"),
      image: stringFlag(flags, "image"),
    },
    ctx,
    "run",
  );
}

/** Runs a parser of `leash run`'s input; what it throws becomes a usage error (exit 2). */
function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message, "run");
  }
}

async function writeAll(stream: typeof Deno.stdout, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await stream.write(data.subarray(written));
}
