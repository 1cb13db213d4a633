/**
 * A session's staging on the host (DESIGN.md §1), before any container: the policy, the
 * session dir and its event log, the files the target reads from /leash, the control UI, the
 * egress (proxy and DNS on the session's sockets), the manager image.
 */
import { join } from "node:path";
import { BootError, STALE_MARKERS } from "../boot/mod.ts";
import { hostArchitecture } from "../assets.ts";
import { type CertificateAuthority, loadOrCreateCa } from "../ca/mod.ts";
import {
  DropCounter,
  EventLog,
  type Redactor,
  RotatingLog,
  type RotatingLogOptions,
} from "../events/mod.ts";
import { writeFileAtomic } from "../fs/mod.ts";
import { ensureManagerImage, helperFor } from "../manager/mod.ts";
import {
  choosePolicy,
  compilePolicy,
  DEFAULT_POLICY_LABEL,
  policyFileReader,
  type PolicyIr,
} from "../policy/mod.ts";
import { type Egress, type EgressOptions, startEgress } from "../proxy/mod.ts";
import { resolveSecrets } from "../secrets/mod.ts";
import { type ControlUi, startControlUi } from "../ui/mod.ts";
import { SessionControl } from "./control.ts";
import { createSessionDirs } from "./dirs.ts";
import { findOrphans } from "./orphans.ts";
import { writeOwner } from "./owner.ts";
import { dockerGateways } from "./gateways.ts";
import { upstreamEgressOptions } from "./upstreams.ts";
import type { LeashDirs, SessionPaths } from "./paths.ts";
import { requireTrustedPolicy } from "./policy_trust.ts";
import type { RunIo, RunOptions } from "./run_options.ts";
import { presetSessionPolicy } from "./preset_policy.ts";
import { withWorkspace } from "./workspace_policy.ts";

/** The session's policy: compiled, its label for the banner, its text for the UI. */
export interface SessionPolicy {
  ir: PolicyIr;
  label: string;
  text: string;
  /** The policy file in effect (undefined: built-in). */
  path?: string | undefined;
}

/**
 * Chooses and compiles the policy: an agent preset's when `leash AGENT` gave one
 * (preset_policy.ts), else `--policy`, `./leash.cedar` or the built-in one, which gets the
 * working directory read-write. A `./leash.cedar` (found, not named by `--policy`) must be
 * trusted in its current content (`leash policy trust`), else `UntrustedPolicyError`.
 */
export async function loadPolicy(
  options: Pick<RunOptions, "policyFlag" | "presetPolicy">,
  io: { cwd: string; dirs: Pick<LeashDirs, "data"> },
): Promise<SessionPolicy> {
  const { policyFlag } = options;
  const cwd = io.cwd;
  if (options.presetPolicy !== undefined) return presetSessionPolicy(options.presetPolicy, cwd);
  const choice = await choosePolicy(policyFileReader(), { flag: policyFlag, cwd });
  if (policyFlag === undefined && choice.path !== undefined) {
    await requireTrustedPolicy(io.dirs, choice.path, choice.text);
  }
  const builtIn = choice.label === DEFAULT_POLICY_LABEL;
  const text = builtIn ? withWorkspace(choice.text, cwd) : choice.text;
  const { ir } = compilePolicy(text, { file: choice.path ?? "built-in.cedar" });
  const shown = builtIn ? `${choice.label} (+ ${cwd} read-write)` : choice.label;
  return { ir, label: shown, text, path: choice.path };
}

/**
 * Creates the session's dirs and owner file, and opens its events.ndjson (0600, appended,
 * rotated by size) behind an event log that masks what `redactor` knows. Every loss on the
 * way (a failed write, rotation, a slow UI client) is counted in `drops`.
 */
export async function createSession(
  paths: SessionPaths,
  redactor: Redactor,
  rotation: RotatingLogOptions = {},
): Promise<{ events: EventLog; file: { close(): void }; drops: DropCounter }> {
  await createSessionDirs(paths);
  await writeOwner(paths.root);
  const drops = new DropCounter();
  const file = await RotatingLog.open(join(paths.logs, "events.ndjson"), {
    ...rotation,
    onDiscard: (n) => drops.addRotated(n),
  });
  const events = new EventLog(paths.id, {
    redactor,
    write: (line) => {
      try {
        file.write(line);
      } catch {
        drops.addWriter(1); // disk full, file gone: counted, never silent
      }
    },
  });
  drops.uiSource = () => events.lost();
  return { events, file, drops };
}

/** Options for {@linkcode stagePublicFiles}. */
export interface StagePublicFilesOptions {
  /** The engine's architecture: leash-entry is the embedded helper for it. @default this machine's */
  architecture?: string;
}

/**
 * Puts what the target reads into the public dir: the CA certificate, leash-entry (the
 * embedded helper or `LEASH_ENTRY_BINARY`), and no BOOT markers of an earlier session.
 * Resolves to the CA (created on first use).
 */
export async function stagePublicFiles(
  paths: SessionPaths,
  io: Pick<RunIo, "dirs" | "privateDir" | "entryBinary">,
  options: StagePublicFilesOptions = {},
): Promise<CertificateAuthority> {
  const ca = await loadOrCreateCa(io.privateDir ?? join(io.dirs.data, "ca"));
  await writeFileAtomic(join(paths.public, "ca-cert.pem"), ca.certPem, { mode: 0o644 });
  const entry = io.entryBinary
    ? await Deno.readFile(io.entryBinary)
    : await helperFor(options.architecture ?? hostArchitecture());
  await writeFileAtomic(join(paths.publicBin, "leash-entry"), entry, { mode: 0o755 });
  for (const name of STALE_MARKERS) {
    await Deno.remove(join(paths.public, name)).catch(() => {});
  }
  return ca;
}

/** Notes containers of dead sessions ("leash clean" removes them); never throws. */
export async function warnOrphans(io: Pick<RunIo, "docker" | "dirs" | "note">): Promise<void> {
  try {
    const orphans = await findOrphans(io.docker, io.dirs.state);
    if (orphans.length > 0) {
      const names = orphans.map((o) => o.name).join(", ");
      await io.note(
        `leash: warning: ${orphans.length} container(s) of dead sessions remain (${names}); run "leash clean"\n`,
      );
    }
  } catch {
    // The warning is a courtesy; listing failures do not stop the session.
  }
}

/**
 * The session's operations for the control UI, and the UI itself unless `--listen ""`; its
 * token is kept in the session dir (0600). A UI that cannot start is a `BootError`.
 */
export async function startSessionUi(
  paths: SessionPaths,
  options: Pick<RunOptions, "image" | "command" | "mode" | "listen">,
  events: EventLog,
  policy: SessionPolicy,
): Promise<{ live: SessionControl; ui: ControlUi | undefined }> {
  const logs = paths.logs;
  const live = new SessionControl({
    id: paths.id,
    image: options.image,
    command: options.command,
    logs: {
      dir: logs,
      events: join(logs, "events.ndjson"),
      target: join(logs, "target.log"),
      manager: join(logs, "manager.log"),
    },
  }, { events, mode: options.mode, policy });
  if (options.listen === "") return { live, ui: undefined };
  try {
    const ui = await startControlUi({
      listen: options.listen,
      session: live,
      events,
      tokenFile: join(paths.root, "ui-token"),
    });
    return { live, ui };
  } catch (error) {
    throw new BootError((error as Error).message, "staging", { cause: error });
  }
}

/** What the session's egress needs besides its sockets and upstream settings. */
export interface SessionEgressOptions extends Pick<EgressOptions, "ir" | "ca" | "events" | "mode"> {
  /** Addresses the agent may never reach (the control UI's). */
  reserved: NonNullable<EgressOptions["reserved"]>;
  /** `--secret` specs, resolved now; their values register with `redactor`. */
  secrets: string[];
  /** Secrets made from those with a prefix. @default none */
  derived?: RunOptions["derivedSecrets"];
  redactor: Redactor;
}

/** Resolves the secrets and starts the host proxy and DNS on the session's sockets. */
export async function startSessionEgress(
  paths: SessionPaths,
  io: Pick<RunIo, "upstream" | "docker">,
  options: SessionEgressOptions,
): Promise<Egress> {
  const secrets = await resolveSecrets(options.secrets, {
    redactor: options.redactor,
    ...(options.derived ? { derived: options.derived } : {}),
  });
  return await startEgress({
    ...await upstreamEgressOptions(io.upstream ?? {}),
    proxySocket: join(paths.sockets, "proxy.sock"),
    dnsSocket: join(paths.sockets, "dns.sock"),
    ir: options.ir,
    ca: options.ca,
    secrets,
    events: options.events,
    mode: options.mode,
    reserved: options.reserved,
    hostAddresses: dockerGateways(io.docker),
  });
}

const MANAGER_NOTE = "the manager image (once per leash build)";

/** Builds the manager image unless present (noting each build step); resolves to its tag. */
export async function buildManagerImage(
  io: Pick<RunIo, "docker" | "note">,
  signal: AbortSignal,
): Promise<string> {
  const image = await ensureManagerImage(io.docker, {
    onProgress: (m) => {
      if (typeof m.stream === "string" && /^Step /.test(m.stream)) {
        io.note(`leash: building ${MANAGER_NOTE}: ${m.stream.trim()}\n`);
      }
    },
    signal,
  });
  return image.tag;
}
