/**
 * The adversarial tier's world: the witness on every host address, the logging upstreams
 * (names pinned with `LEASH_UPSTREAM_HOSTS`, trusted through `LEASH_UPSTREAM_CA`), the
 * sessions' policies, and one `leash run` per session that runs every attempt of that session
 * (see _attempt.ts). After all sessions the servers are closed: judges read what was recorded.
 */
import { join } from "node:path";
import { createCa } from "../../src/ca/mod.ts";
import { debianSandbox, leashSh } from "../e2e/_debian.ts";
import { filesUnder, type LeashResult, sessionDir, sessionEvents } from "../e2e/_session.ts";
import { buildNetprobe } from "../kernel/vm_harness.ts";
import {
  type Attempt,
  type Outcome,
  parseRunnerOutput,
  type SessionKind,
  writeRunner,
} from "./_attempt.ts";
import { ADV_NODE_PROGRAM } from "./_node_probe.ts";
import { SESSIONS } from "./_sessions.ts";
import { type LoggingUpstream, startLoggingUpstream } from "./_upstream.ts";
import { type HostAddress, startWitness, type Witness } from "./_witness.ts";

/** What the attempt tables are built from: the host's addresses and the servers' ports. */
export interface Plan {
  /** Non-loopback addresses of this host (the witness listens on these and on loopback). */
  hostAddresses: HostAddress[];
  /** The first non-loopback IPv4 address (eth0's, typically). */
  lan4: HostAddress | undefined;
  /** Where bridge.test lives: docker0's IPv4 gateway, else lan4. */
  bridge: HostAddress | undefined;
  /** Shell variables every attempt sees. */
  vars: Record<string, string>;
}

/** The witness, the upstreams and the plan, before any session ran. */
export interface Servers {
  plan: Plan;
  witness: Witness;
  upstreams: Map<string, LoggingUpstream>;
  upstreamCaFile: string;
  close(): Promise<void>;
}

/** Upstreams by name: TLS unless plain; address 127.0.0.1 unless given. */
const UPSTREAMS: { name: string; plain?: boolean; address?: (p: Partial<Plan>) => string }[] = [
  { name: "allowed.test" },
  { name: "forbidden.test" },
  { name: "echo.test" },
  { name: "paths.test" },
  { name: "plain.test", plain: true },
  { name: "denied.test", plain: true },
  { name: "internal.test", address: () => "127.0.0.66" },
  { name: "internal6.test", address: () => "::1" },
  { name: "bridge.test", address: (p) => p.bridge?.address ?? "127.0.0.1" },
];

/** Port variable of each upstream in the scripts. */
export const PORT_VARS: Record<string, string> = {
  "allowed.test": "PA",
  "forbidden.test": "PF",
  "echo.test": "PE",
  "paths.test": "PX",
  "plain.test": "PP",
  "denied.test": "PD",
  "internal.test": "PI",
  "internal6.test": "PI6",
  "bridge.test": "PB",
};

/** `[v6]` or v4, for URLs. */
export function urlHost(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Starts the witness and the upstreams. */
export async function startServers(): Promise<Servers> {
  const witness = await startWitness();
  const hostAddresses = witness.addresses.filter((a) => !a.loopback);
  const lan4 = hostAddresses.find((a) => a.family === 4 && a.iface !== "docker0");
  const bridge = hostAddresses.find((a) => a.family === 4 && a.iface === "docker0") ?? lan4;
  const partial: Partial<Plan> = { hostAddresses, lan4, bridge };
  const ca = await createCa({ commonName: "leash adversarial upstream CA" });
  const dir = await Deno.makeTempDir({ prefix: "leash-adv-" });
  const upstreamCaFile = join(dir, "upstream-ca.pem");
  await Deno.writeTextFile(upstreamCaFile, ca.certPem);
  const upstreams = new Map<string, LoggingUpstream>();
  for (const u of UPSTREAMS) {
    upstreams.set(
      u.name,
      await startLoggingUpstream(u.name, {
        ...(u.plain ? {} : { ca }),
        address: u.address?.(partial) ?? "127.0.0.1",
      }),
    );
  }
  const vars: Record<string, string> = {
    WP: String(witness.port),
    UIPORT: String(freePort()),
    LAN4: lan4?.address ?? "",
    BRIDGE4: bridge?.address ?? "",
  };
  for (const [name, v] of Object.entries(PORT_VARS)) vars[v] = String(upstreams.get(name)!.port);
  return {
    plan: { hostAddresses, lan4, bridge, vars },
    witness,
    upstreams,
    upstreamCaFile,
    async close() {
      for (const u of upstreams.values()) await u.close();
      await witness.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** `LEASH_UPSTREAM_HOSTS`: every upstream's name pinned to its address. */
function pins(servers: Servers): string {
  return [...servers.upstreams.values()].map((u) => `${u.name}=${u.address}`).join(",");
}

/** One session's run: the leash result and each attempt's outcome. */
export interface SessionRun {
  result: LeashResult;
  outcomes: Map<string, Outcome>;
}

/** Options for {@linkcode runSession}. */
export interface RunSessionOptions {
  image: string;
  servers: Servers;
  /** The secret value given as API_KEY. */
  secret: string;
}

/** Runs every attempt of `kind` in one `leash run`; resolves once it ended. */
export async function runSession(
  kind: SessionKind,
  attempts: Attempt[],
  options: RunSessionOptions,
): Promise<SessionRun> {
  const { servers } = options;
  const base = await debianSandbox({
    image: options.image,
    names: [],
    netRules: SESSIONS[kind].rules(servers.plan),
  });
  try {
    const tools = join(base.box.root, "tools");
    await Deno.mkdir(tools);
    await buildNetprobe(join(tools, "netprobe"));
    await buildAdvprobe(join(tools, "advprobe"));
    await writeRunner(base.box.workspace, attempts, servers.plan.vars, ADV_NODE_PROGRAM);
    const result = await leashSh(base, `exec bash ./run.sh`, {
      extra: [
        "-v",
        `${tools}/netprobe:/usr/local/bin/netprobe:ro`,
        "-v",
        `${tools}/advprobe:/usr/local/bin/advprobe:ro`,
        ...SESSIONS[kind].args(servers.plan),
      ],
      env: {
        LEASH_UPSTREAM_CA: servers.upstreamCaFile,
        LEASH_UPSTREAM_HOSTS: pins(servers),
        LEASH_ADV_API_KEY: options.secret,
      },
    });
    const outputs = parseRunnerOutput(result.stdout);
    let events: Record<string, unknown>[] = [];
    const files = new Map<string, string>();
    if (result.session) {
      // Never swallowed: a judge that looks for the absence of an event must see them all.
      events = await sessionEvents(base.box, result.session);
      for await (const file of filesUnder(sessionDir(base.box, result.session))) {
        files.set(file, new TextDecoder("latin1").decode(await Deno.readFile(file)));
      }
      // LEASH_ADV_KEEP=DIR keeps each session's dir (manager.log, events) after the sandbox goes.
      const keep = Deno.env.get("LEASH_ADV_KEEP");
      if (keep) {
        await Deno.mkdir(keep, { recursive: true });
        const to = join(keep, `${kind}-${result.session}`);
        const cp = await new Deno.Command("cp", {
          args: ["-a", sessionDir(base.box, result.session), to],
        }).output();
        if (!cp.success) throw new Error(`Cannot keep the session dir in "${to}": cp failed`);
      }
    }
    const outcomes = new Map<string, Outcome>();
    for (const a of attempts) {
      const out = outputs.get(a.name);
      if (out === undefined) continue;
      outcomes.set(a.name, {
        out,
        events,
        witness: servers.witness,
        upstreams: servers.upstreams,
        secret: options.secret,
        files,
      });
    }
    return { result, outcomes };
  } finally {
    await base.box[Symbol.asyncDispose]();
  }
}

/** Builds tests/adversarial/tools/advprobe.c statically to `out`. */
async function buildAdvprobe(out: string): Promise<void> {
  const src = new URL("./tools/advprobe.c", import.meta.url).pathname;
  const result = await new Deno.Command("gcc", {
    args: ["-static", "-O2", "-Wall", "-Werror", "-o", out, src],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) throw new Error(`Cannot build advprobe: gcc failed on "${src}"`);
}
