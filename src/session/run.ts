/**
 * `leash run`: one session from start to teardown (DESIGN.md §1 and §3, host half).
 * Staging → bootstrap → activation → steady; every failure ends with both containers removed,
 * the sockets gone, the session dir kept with its logs, and a `BootError` naming the phase.
 * This class holds the session's state and the order of its steps; the steps live beside it:
 * staging in prepare.ts and image.ts, the manager's container in manager_start.ts, the marker
 * waits in ../boot/host_markers.ts, hello and activate in handshake.ts, the posture in
 * activation.ts, the command's run in steady.ts, signals in signals.ts, the end in teardown.ts,
 * the failure messages in ../boot/host_errors.ts.
 */
import { join } from "node:path";
import {
  BootError,
  delay,
  interrupted,
  ManagerExit,
  managerTimeout,
  MARKER_NAMES,
  newLifelineName,
  noCgroup,
  raceDeadline,
  readCgroupPath,
  requireContainerCgroup,
  TargetExit,
  waitBootstrapReady,
  waitEntryReady,
  writeEnforcementActive,
} from "../boot/mod.ts";
import { type ControlChannel, ControlServer, DestinationPermits } from "../control/mod.ts";
import type { DockerClient } from "../docker/mod.ts";
import { type DropCounter, type EventLog, Redactor } from "../events/mod.ts";
import type { PolicyIr } from "../policy/mod.ts";
import type { LayerName } from "../posture/mod.ts";
import type { Egress } from "../proxy/mod.ts";
import type { ControlUi } from "../ui/mod.ts";
import { activateMessage, activePosture, postureBanner, requestedLayers } from "./activation.ts";
import { containerNames, targetConfig } from "./containers.ts";
import { targetInput } from "./target_input.ts";
import type { Containment } from "./containment.ts";
import { sessionContainment } from "./containment_host.ts";
import { containmentReport } from "./containment_report.ts";
import { summarizeEvents } from "./summary.ts";
import type { SessionControl } from "./control.ts";
import { inspectImage, resolveImageUser } from "./image.ts";
import { ExitWatch } from "./exit_watch.ts";
import { acceptManager, requestActivation } from "./handshake.ts";
import { captureLogs, type LogCapture } from "./logs.ts";
import { createManager, startManager } from "./manager_start.ts";
import { newSessionId, type SessionPaths, sessionPaths } from "./paths.ts";
import { refuseUnwantedPosture } from "./degraded.ts";
import {
  buildManagerImage,
  createSession,
  loadPolicy,
  stagePublicFiles,
  startSessionEgress,
  startSessionUi,
  warnOrphans,
} from "./prepare.ts";
import type { RunIo, RunOptions, SessionSignal } from "./run_options.ts";
import { forwardSignal } from "./signals.ts";
import { awaitCommand, type TargetStdio } from "./steady.ts";
import { pumpStdio } from "./stdio.ts";
import { teardownSession } from "./teardown.ts";
import { type SessionEngine, sessionEngine, targetPidOf, UNKNOWN_ENGINE } from "./engine_facts.ts";
import { sessionTransport } from "./transport.ts";
import type { SessionTransport } from "../transport/mod.ts";
import { explainDeath, settledTail } from "./explain.ts";

export type { RunIo, RunOptions, SessionSignal } from "./run_options.ts";

/** Runs one session and resolves to the command's exit status; throws `BootError` on failure. */
export async function runSession(options: RunOptions, io: RunIo): Promise<number> {
  const session = new Session(options, io);
  try {
    return await session.run();
  } finally {
    await session.teardown();
  }
}

class Session {
  #o: RunOptions;
  #io: RunIo;
  #docker: DockerClient;
  #paths!: SessionPaths;
  #nonce = crypto.randomUUID();
  /** The policy file in effect, masked read-only in the target (undefined: built-in). */
  #policyPath: string | undefined;
  #lifeline = newLifelineName();
  #events!: EventLog;
  /** Masks secret values in events; the secrets register here as they are read. */
  #redactor = new Redactor();
  #eventsFile: { close(): void } | undefined;
  /** Event losses at every stage (kernel, manager, writer, UI, rotation). */
  #drops: DropCounter | undefined;
  #egress: Egress | undefined;
  #control: ControlServer | undefined;
  #channel: ControlChannel | undefined;
  #target: string | undefined;
  #manager: string | undefined;
  #captures: LogCapture[] = [];
  #phase = "staging";
  #abort = new AbortController();
  #interrupted: "SIGINT" | "SIGTERM" | "SIGHUP" | undefined;
  #targetWatch: ExitWatch | undefined;
  #managerWatch: ExitWatch | undefined;
  #managerPending: Promise<void> | undefined;
  #commandStarted = false;
  #unsubscribe: (() => void) | undefined;
  #restoreTerminal: (() => void) | undefined;
  /** What the control UI calls: mode and policy changes, the session's facts. */
  #live: SessionControl | undefined;
  #ui: ControlUi | undefined;
  /** Scratch noexec mounts, masks, capabilities: decided from the policy before the target. */
  #containment!: Containment;
  /** leash-entry's memfd guard as bootstrap.ready reported it. */
  #memfdGuard: string | undefined;
  /** How files and relay streams reach the containers (bind mounts, or the Engine API). */
  #transport: SessionTransport | undefined;
  /** The engine's limits, rootless or remote (engine_facts.ts). */
  #engine: SessionEngine = UNKNOWN_ENGINE;

  constructor(options: RunOptions, io: RunIo) {
    this.#o = options;
    this.#io = io;
    this.#docker = io.docker;
  }

  async run(): Promise<number> {
    try {
      return await this.#run();
    } catch (error) {
      // The manager can die while leash-entry is still getting ready (a socket it cannot
      // reach fails in milliseconds): its death is explained wherever the wait noticed it.
      if (error instanceof ManagerExit) throw await this.#explain(error);
      if (this.#commandStarted || !this.#targetWatch || error instanceof BootError) throw error;
      // A Docker call failed because the target died (e.g. the manager cannot join its
      // network namespace): the target's exit is the real story.
      await Promise.race([this.#targetWatch.exit, delay(1000)]);
      if (this.#targetWatch.status === undefined) throw error;
      throw await this.#explain(new TargetExit(this.#targetWatch.status));
    }
  }

  async #run(): Promise<number> {
    this.#unsubscribe = this.#io.onSignal((signal) => this.#onSignal(signal));
    const started = performance.now();
    const deadline = started + this.#o.bootstrapTimeoutS * 1000;
    const { imageUser, ir, managerImage } = await this.#stage();
    const stdio = await this.#startTarget(imageUser, managerImage);
    const cgroup = await this.#entryReady(deadline);
    await this.#hello(deadline);
    await this.#bootstrap(deadline);
    await this.#activate(cgroup, ir, deadline);
    this.#phase = "steady";
    this.#emit("boot.steady", `boot took ${Math.round(performance.now() - started)} ms`);
    return await this.#steady(stdio);
  }

  /** Staging: image, policy, session dir, UI, the target's files, egress, control.sock. */
  async #stage(): Promise<{ imageUser: string; ir: PolicyIr; managerImage: string }> {
    const profile = await this.#docker.profile();
    const image = await inspectImage(this.#docker, this.#o.image);
    this.#engine = sessionEngine(profile);
    const policy = await loadPolicy(this.#o, this.#io);
    this.#policyPath = policy.path;
    this.#paths = sessionPaths(this.#io.dirs, newSessionId());
    const log = await createSession(this.#paths, this.#redactor, this.#io.eventsRotation);
    this.#eventsFile = log.file;
    this.#events = log.events;
    this.#drops = log.drops;
    await this.#io.note(
      `leash: session ${this.#paths.id} · image ${this.#o.image} · policy ${policy.label} · mode ${this.#o.mode}\n`,
    );
    ({ live: this.#live, ui: this.#ui } = await startSessionUi(
      this.#paths,
      this.#o,
      this.#events,
      policy,
    ));
    this.#live.attachDrops(log.drops);
    for (const note of this.#ui?.notes ?? []) await this.#io.note(`${note}\n`);
    await warnOrphans(this.#io);
    this.#emit("boot.staging", `session ${this.#paths.id}, policy ${policy.label}`);

    const ca = await stagePublicFiles(this.#paths, this.#io, {
      architecture: profile.architecture,
    });
    this.#egress = await startSessionEgress(this.#paths, this.#io, {
      ir: policy.ir,
      ca,
      secrets: this.#o.secrets,
      derived: this.#o.derivedSecrets,
      redactor: this.#redactor,
      events: this.#events,
      mode: this.#o.mode,
      reserved: this.#ui ? [this.#ui.address] : [],
    });
    this.#live?.attachEgress(this.#egress);
    this.#control = await ControlServer.listen(join(this.#paths.sockets, "control.sock"));
    const managerImage = await buildManagerImage(this.#io, this.#abort.signal);
    this.#transport = await sessionTransport({
      kind: profile.kind,
      io: this.#io,
      options: this.#o,
      paths: this.#paths,
      image: managerImage,
      events: this.#events,
    });
    await this.#transport.prepare();
    this.#containment = await sessionContainment(this.#docker, this.#o, {
      ir: policy.ir,
      cwd: this.#io.cwd,
      sessionId: this.#paths.id,
    });
    for (const warning of this.#containment.warnings) await this.#warn(warning);
    return { imageUser: image.user, ir: policy.ir, managerImage };
  }

  /**
   * Target: created, user resolved from its own /etc/passwd, attached, then started; the
   * manager is created and started alongside.
   */
  async #startTarget(imageUser: string, managerImage: string): Promise<TargetStdio> {
    this.#phase = "create";
    const names = containerNames(this.#paths.id);
    const transport = this.#transport!;
    const input = await targetInput(this.#o, this.#io, this.#paths, {
      nonce: this.#nonce,
      transport,
      policyPath: this.#policyPath,
    });
    const user = await resolveImageUser(this.#docker, this.#o.user ?? imageUser, input);
    this.#target = (await this.#docker.containers.create(
      targetConfig({ ...input, user, containment: this.#containment }),
      { name: names.target },
    )).Id;
    transport.setTarget(this.#target);
    // The manager is created while the target is attached and started (it joins the target's
    // netns only when it starts).
    const sockets = transport.managerSockets();
    const managerCreated = createManager(this.#docker, {
      image: managerImage,
      name: names.manager,
      sessionId: this.#paths.id,
      target: this.#target,
      socketDir: sockets.source,
      ownerFromDir: sockets.ownerFromDir,
      rootless: this.#engine.rootless,
    }).then((id) => void (this.#manager = id));
    this.#managerPending = managerCreated;
    managerCreated.catch(() => {}); // awaited below, or by teardown
    const attach = await this.#docker.containers.attach(this.#target, {
      stdin: this.#io.stdio.stdin !== null,
      tty: this.#o.tty,
    });
    const pump = pumpStdio(attach, this.#io.stdio, { closeStdin: !this.#o.tty });
    this.#targetWatch = new ExitWatch(this.#docker, this.#target);
    this.#phase = "entry";
    await this.#docker.containers.start(this.#target);
    // The TTY exists from start and has no size until told (stty size: 0 rows); sized now,
    // long before enforcement.active lets the command run.
    if (this.#o.tty) await this.#resize();
    this.#captures.push(
      captureLogs(this.#docker, this.#target, join(this.#paths.logs, "target.log"), this.#redactor),
      ...transport.logged().map(({ id, file }) =>
        captureLogs(this.#docker, id, join(this.#paths.logs, file), this.#redactor)
      ),
    );

    // The manager starts while leash-entry gets ready: it only needs the target's netns.
    const managerLog = join(this.#paths.logs, "manager.log");
    const managerStarted = managerCreated
      .then(() => startManager(this.#docker, this.#manager!, managerLog, this.#redactor))
      .then(({ capture, watch }) => {
        this.#captures.push(capture);
        this.#managerWatch = watch;
      });
    this.#managerPending = managerStarted;
    managerStarted.catch(() => {}); // awaited by #hello, or by teardown
    return { attach, pump };
  }

  /** leash-entry.ready; resolves to the target's cgroup path (null: leash-entry found none). */
  async #entryReady(deadline: number): Promise<string | null> {
    const check = () => this.#check();
    const markers = this.#transport!.markers;
    const version = await waitEntryReady(markers.dir, { deadline, check, ...markers });
    this.#emit("boot.entry", `leash-entry ${version} ready`);
    const path = await readCgroupPath(markers.dir, markers.read);
    // Without kernel layers (a rootless engine) the cgroup is not used, and such engines
    // give the target none of its own.
    if (this.#kernelLayers().length === 0) return null;
    return path === null ? null : requireContainerCgroup(path, this.#target!);
  }

  /** Manager in staging: it connects to control.sock and says hello. */
  async #hello(deadline: number): Promise<void> {
    this.#phase = "manager";
    await this.#managerPending;
    const { channel, hello } = await acceptManager(
      this.#control!,
      this.#events,
      this.#drops!,
      this.#abort.signal,
      (promise, what) => this.#bounded(promise, deadline, what),
      this.#containment?.masked,
    );
    this.#channel = channel;
    this.#emit("boot.hello", `manager ${hello.version} on kernel ${hello.kernel}`);
  }

  /** bootstrap.ready: the CA is installed in the target. */
  async #bootstrap(deadline: number): Promise<void> {
    this.#phase = "bootstrap";
    const markers = this.#transport!.markers;
    const ready = await waitBootstrapReady(markers.dir, this.#nonce, {
      ...markers,
      deadline,
      check: () => this.#check(),
      timeoutS: this.#o.bootstrapTimeoutS,
      targetLog: join(this.#paths.logs, "target.log"),
    });
    this.#memfdGuard = ready.memfdGuard;
    this.#emit("boot.bootstrap", `bootstrap.ready from pid ${ready.pid}`);
  }

  /** Activation: the manager attaches, the posture is shown, enforcement.active is written. */
  async #activate(cgroup: string | null, ir: PolicyIr, deadline: number): Promise<void> {
    this.#phase = "activation";
    if (cgroup === null && this.#kernelLayers().length > 0) throw noCgroup();
    const channel = this.#channel!;
    const options = {
      ir,
      mode: this.#o.mode,
      disabled: this.#o.disabledLayers,
      unavailable: this.#engine.limits,
    };
    const active = await requestActivation(
      channel,
      activateMessage(cgroup, this.#lifeline, options),
      {
        signal: this.#abort.signal,
        bounded: (promise, what) => this.#bounded(promise, deadline, what),
        managerLog: join(this.#paths.logs, "manager.log"),
      },
    );
    const targetPid = targetPidOf(this.#docker, this.#engine, this.#target!);
    const layers = await activePosture(active, {
      ...options,
      targetPid,
      cwd: this.#io.cwd,
      volumes: this.#o.volumes,
      publicDir: this.#paths.public,
      masked: this.#containment?.landlockMasks,
      engineStat: (path) => this.#docker.containers.statPath(this.#target!, path),
      warn: (warning) => this.#emit("boot.landlock", warning, { layer: "landlock" }),
    });
    refuseUnwantedPosture(layers, this.#o);
    // Before the command runs: every DNS answer names its addresses in the kernel first.
    const permits = new DestinationPermits(channel);
    this.#egress!.permitAnswers((addrs, ttlS) => permits.permit(addrs, ttlS));
    const on = layers.filter((l) => l.status !== "off").map((l) => l.name);
    this.#live?.attachManager({
      channel,
      attached: Object.entries(active.layers).filter(([, v]) => v === "ok").map(([k]) => k),
      posture: layers,
    });
    const report = await containmentReport({
      ir,
      pid: await targetPid(),
      stat: (path) => this.#docker.containers.statPath(this.#target!, path),
      strict: this.#o.strict ?? false,
      containment: this.#containment,
      layers,
      memfd: this.#memfdGuard,
      mappings: active.exec_mappings,
      limits: this.#o.limits,
    });
    for (const warning of report.warnings) await this.#warn(warning);
    this.#emit("boot.active", `layers ${on.join(",")}`);
    const extra = report.lines;
    this.#emit("boot.containment", extra.map((line) => line.trim()).join("; "));
    await this.#io.note(postureBanner(layers, this.#paths.logs, this.#ui, extra));
    await writeEnforcementActive(this.#paths.public, this.#nonce, on, {
      lifeline: this.#lifeline,
    });
    // Where the target does not see the public dir: the rules first, then the go-ahead.
    await this.#transport!.publish([MARKER_NAMES.landlockRules, MARKER_NAMES.enforcementActive]);
    this.#commandStarted = true;
    // A signal that arrived after the last boot wait still ends the session.
    if (this.#interrupted) throw interrupted(this.#interrupted, this.#phase);
  }

  /** The manager's kernel layers this session asks for. */
  #kernelLayers(): LayerName[] {
    return requestedLayers({ disabled: this.#o.disabledLayers, unavailable: this.#engine.limits });
  }

  /** Steady: the command runs; its status is ours. */
  async #steady(stdio: TargetStdio): Promise<number> {
    // Sized at start (a later SIGWINCH resizes again): a resize here could find the command
    // gone already and fail a session that succeeded.
    if (this.#o.tty) this.#restoreTerminal = this.#io.setRaw?.();
    const status = await awaitCommand({
      docker: this.#docker,
      target: this.#target!,
      targetWatch: this.#targetWatch!,
      managerWatch: this.#managerWatch!,
      stdio,
      managerLog: join(this.#paths.logs, "manager.log"),
      managerTail: () => settledTail(this.#captures, this.#paths.logs, "manager.log"),
    });
    this.#emit("session.exit", `command exited with status ${status}`);
    return status;
  }

  /** Removes both containers, stops the sockets; never throws. */
  async teardown(): Promise<void> {
    await teardownSession({
      docker: this.#docker,
      restoreTerminal: this.#restoreTerminal,
      unsubscribe: this.#unsubscribe,
      channel: this.#channel,
      managerRunning: this.#managerWatch?.status === undefined,
      managerPending: this.#managerPending,
      containers: () => [this.#manager, this.#target],
      captures: this.#captures,
      transport: this.#transport,
      ui: this.#ui,
      egress: this.#egress,
      control: this.#control,
      paths: this.#paths,
      eventsFile: this.#eventsFile,
      summary: () =>
        this.#events && this.#drops
          ? summarizeEvents(this.#events, this.#drops, this.#paths.logs, (t) => this.#io.note(t))
          : Promise.resolve(),
    });
  }

  /** Turns a failure during boot into the phase's message; called from the wait loops. */
  #check(): void {
    if (this.#interrupted) throw interrupted(this.#interrupted, this.#phase);
    const target = this.#targetWatch?.status;
    if (target !== undefined) throw new TargetExit(target);
    const manager = this.#managerWatch?.status;
    if (manager !== undefined && this.#manager) throw new ManagerExit(manager);
  }

  /** Waits for the manager, until the deadline and while both containers live. */
  async #bounded<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
    const log = join(this.#paths.logs, "manager.log");
    const timeout = () => managerTimeout(this.#o.bootstrapTimeoutS, this.#phase, what, log);
    try {
      return await raceDeadline(promise, deadline, () => this.#check(), timeout);
    } catch (error) {
      throw await this.#explain(error);
    }
  }

  /** Explains a container's death (explain.ts) with this session's logs and phase. */
  #explain(error: unknown): Promise<unknown> {
    const { logs, sockets } = this.#paths;
    return explainDeath(error, { phase: this.#phase, captures: this.#captures, logs, sockets });
  }

  #onSignal(signal: SessionSignal): void {
    if (signal === "SIGWINCH") {
      this.#resize().catch(() => {});
      return;
    }
    if (!this.#commandStarted) {
      this.#interrupted = signal;
      this.#abort.abort(interrupted(signal, this.#phase));
      return;
    }
    if (this.#target) forwardSignal(this.#docker, this.#target, signal);
  }

  async #resize(): Promise<void> {
    const size = this.#io.consoleSize?.();
    if (size && this.#target) await this.#docker.containers.resize(this.#target, size);
  }

  /** A containment warning: an event and a line on stderr. */
  async #warn(warning: string): Promise<void> {
    this.#emit("boot.containment", warning);
    await this.#io.note(`leash: warning: ${warning}\n`);
  }

  #emit(
    event: `boot.${string}` | `session.${string}` | `kernel.${string}`,
    message: string,
    facts = {},
  ): void {
    this.#events?.emit({ event, message, ...facts });
  }
}
