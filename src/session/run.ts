/**
 * `leash run`: one session from start to teardown (DESIGN.md §1 and §3, host half).
 * Staging → bootstrap → activation → steady; every failure ends with both containers removed,
 * the sockets gone, the session dir kept with its logs, and a `BootError` naming the phase.
 * This class holds the session's state and the order of its steps; the steps live beside it:
 * staging in prepare.ts and image.ts, the marker waits in boot_markers.ts, activation in
 * activation.ts, the failure messages in boot_errors.ts.
 */
import { join } from "node:path";
import {
  ENTRY_EXIT_LIFELINE,
  ENTRY_EXIT_LIFELINE_LOST,
  newLifelineName,
  writeEnforcementActive,
} from "../boot/mod.ts";
import {
  type ActiveMessage,
  type ControlChannel,
  ControlError,
  ControlServer,
  DestinationPermits,
  type HelloMessage,
} from "../control/mod.ts";
import type { AttachSession, DockerClient } from "../docker/mod.ts";
import { type DropCounter, type EventLog, formatDrops, Redactor } from "../events/mod.ts";
import { createManagerContainer } from "../manager/container.ts";
import type { PolicyIr } from "../policy/mod.ts";
import type { Egress } from "../proxy/mod.ts";
import type { ControlUi } from "../ui/mod.ts";
import { activateMessage, activePosture, postureBanner } from "./activation.ts";
import {
  activateFailed,
  explainExit,
  interrupted,
  managerDiedInSteady,
  managerProtocolMismatch,
  managerTimeout,
  noCgroup,
  requiredMissing,
  targetVanished,
} from "./boot_errors.ts";
import { readCgroupPath, waitBootstrapReady, waitEntryReady } from "./boot_markers.ts";
import { delay, ManagerExit, raceDeadline, TargetExit } from "./boot_util.ts";
import { containerNames, managerConfig, targetConfig, targetOptions } from "./containers.ts";
import type { SessionControl } from "./control.ts";
import { BootError } from "./errors.ts";
import { inspectImage, resolveImageUser } from "./image.ts";
import { captureLogs, type LogCapture, logTail } from "./logs.ts";
import { relayManagerMessage } from "./manager_messages.ts";
import { newSessionId, type SessionPaths, sessionPaths } from "./paths.ts";
import { missingRequired } from "./posture.ts";
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
import { pumpStdio } from "./stdio.ts";

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

/** The command's stdio, attached to the target before it starts. */
interface TargetStdio {
  attach: AttachSession;
  pump: { output: Promise<void>; stop(): void };
}

class Session {
  #o: RunOptions;
  #io: RunIo;
  #docker: DockerClient;
  #paths!: SessionPaths;
  #nonce = crypto.randomUUID();
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
  #targetExit: Promise<number> | undefined;
  #targetExited: number | undefined;
  #managerExit: Promise<number> | undefined;
  #managerPending: Promise<void> | undefined;
  #managerExited: number | undefined;
  #commandStarted = false;
  #unsubscribe: (() => void) | undefined;
  #restoreTerminal: (() => void) | undefined;
  /** What the control UI calls: mode and policy changes, the session's facts. */
  #live: SessionControl | undefined;
  #ui: ControlUi | undefined;

  constructor(options: RunOptions, io: RunIo) {
    this.#o = options;
    this.#io = io;
    this.#docker = io.docker;
  }

  async run(): Promise<number> {
    try {
      return await this.#run();
    } catch (error) {
      if (this.#commandStarted || !this.#targetExit || error instanceof BootError) throw error;
      // A Docker call failed because the target died (e.g. the manager cannot join its
      // network namespace): the target's exit is the real story.
      await Promise.race([this.#targetExit, delay(1000)]);
      if (this.#targetExited === undefined) throw error;
      throw await this.#explain(new TargetExit(this.#targetExited));
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
    const image = await inspectImage(this.#docker, this.#o.image);
    const policy = await loadPolicy(this.#o.policyFlag, this.#io.cwd);
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

    const ca = await stagePublicFiles(this.#paths, this.#io);
    this.#egress = await startSessionEgress(this.#paths, this.#io, {
      ir: policy.ir,
      ca,
      secrets: this.#o.secrets,
      redactor: this.#redactor,
      events: this.#events,
      mode: this.#o.mode,
      reserved: this.#ui ? [this.#ui.address] : [],
    });
    this.#live?.attachEgress(this.#egress);
    this.#control = await ControlServer.listen(join(this.#paths.sockets, "control.sock"));
    const managerImage = await buildManagerImage(this.#io, this.#abort.signal);
    return { imageUser: image.user, ir: policy.ir, managerImage };
  }

  /**
   * Target: created, user resolved from its own /etc/passwd, attached, then started; the
   * manager is created and started alongside.
   */
  async #startTarget(imageUser: string, managerImage: string): Promise<TargetStdio> {
    this.#phase = "create";
    const names = containerNames(this.#paths.id);
    const targetInput = targetOptions(this.#o, this.#io, this.#paths, this.#nonce);
    const user = await resolveImageUser(this.#docker, this.#o.user ?? imageUser, targetInput);
    this.#target = (await this.#docker.containers.create(
      targetConfig({ ...targetInput, user }),
      { name: names.target },
    )).Id;
    // The manager is created while the target is attached and started (it joins the target's
    // netns only when it starts).
    const managerCreated = this.#createManager(managerImage, names.manager);
    this.#managerPending = managerCreated;
    managerCreated.catch(() => {}); // awaited below, or by teardown
    const attach = await this.#docker.containers.attach(this.#target, {
      stdin: this.#io.stdio.stdin !== null,
      tty: this.#o.tty,
    });
    const pump = pumpStdio(attach, this.#io.stdio, { closeStdin: !this.#o.tty });
    this.#targetExit = this.#docker.containers.wait(this.#target, { condition: "next-exit" })
      .then((r) => (this.#targetExited = r.StatusCode), () => (this.#targetExited = -1));
    this.#phase = "entry";
    await this.#docker.containers.start(this.#target);
    // The TTY exists from start and has no size until told (stty size: 0 rows); sized now,
    // long before enforcement.active lets the command run.
    if (this.#o.tty) await this.#resize();
    this.#captures.push(
      captureLogs(this.#docker, this.#target, join(this.#paths.logs, "target.log")),
    );

    // The manager starts while leash-entry gets ready: it only needs the target's netns.
    const managerStarted = managerCreated.then(() => this.#startManager());
    this.#managerPending = managerStarted;
    managerStarted.catch(() => {}); // awaited by #hello, or by teardown
    return { attach, pump };
  }

  /** leash-entry.ready; resolves to the target's cgroup path (null: leash-entry found none). */
  async #entryReady(deadline: number): Promise<string | null> {
    const check = () => this.#check();
    const version = await waitEntryReady(this.#paths.public, { deadline, check });
    this.#emit("boot.entry", `leash-entry ${version} ready`);
    return await readCgroupPath(this.#paths.public);
  }

  /** Manager in staging: it connects to control.sock and says hello. */
  async #hello(deadline: number): Promise<void> {
    this.#phase = "manager";
    await this.#managerPending;
    this.#channel = await this.#bounded(
      this.#control!.accept({
        signal: this.#abort.signal,
        onUnsolicited: (m) => relayManagerMessage(this.#events, m, this.#drops!),
      }),
      deadline,
      "the manager did not connect to control.sock",
    );
    const hello = await this.#bounded(
      this.#channel.next(["hello"], { signal: this.#abort.signal }),
      deadline,
      "the manager did not say hello",
    ) as unknown as HelloMessage;
    if (hello.protocol !== 1) throw managerProtocolMismatch(hello.protocol);
    this.#emit("boot.hello", `manager ${hello.version} on kernel ${hello.kernel}`);
  }

  /** bootstrap.ready: the CA is installed in the target. */
  async #bootstrap(deadline: number): Promise<void> {
    this.#phase = "bootstrap";
    const pid = await waitBootstrapReady(this.#paths.public, this.#nonce, {
      deadline,
      check: () => this.#check(),
      timeoutS: this.#o.bootstrapTimeoutS,
      targetLog: join(this.#paths.logs, "target.log"),
    });
    this.#emit("boot.bootstrap", `bootstrap.ready from pid ${pid}`);
  }

  /** Activation: the manager attaches, the posture is shown, enforcement.active is written. */
  async #activate(cgroup: string | null, ir: PolicyIr, deadline: number): Promise<void> {
    this.#phase = "activation";
    if (cgroup === null) throw noCgroup();
    const channel = this.#channel!;
    const options = { ir, mode: this.#o.mode, disabled: this.#o.disabledLayers };
    let active: ActiveMessage;
    try {
      active = await this.#bounded(
        channel.request(activateMessage(cgroup, this.#lifeline, options), ["active"], {
          signal: this.#abort.signal,
        }),
        deadline,
        "the manager did not answer activate",
      ) as unknown as ActiveMessage;
    } catch (error) {
      if (error instanceof ControlError && error.phase === "activate") {
        throw activateFailed(error, join(this.#paths.logs, "manager.log"));
      }
      throw error;
    }
    const layers = await activePosture(active, {
      ...options,
      targetPid: async () => (await this.#docker.containers.inspect(this.#target!)).State.Pid,
      cwd: this.#io.cwd,
      volumes: this.#o.volumes,
      publicDir: this.#paths.public,
      warn: (warning) => this.#emit("boot.landlock", warning, { layer: "landlock" }),
    });
    const missing = missingRequired(layers, this.#o.require);
    if (missing.length > 0) throw requiredMissing(missing);
    // Before the command runs: every DNS answer names its addresses in the kernel first.
    const permits = new DestinationPermits(channel);
    this.#egress!.permitAnswers((addrs, ttlS) => permits.permit(addrs, ttlS));
    const on = layers.filter((l) => l.status !== "off").map((l) => l.name);
    this.#live?.attachManager({
      channel,
      attached: Object.entries(active.layers).filter(([, v]) => v === "ok").map(([k]) => k),
      posture: layers,
    });
    this.#emit("boot.active", `layers ${on.join(",")}`);
    await this.#io.note(postureBanner(layers, this.#paths.logs, this.#ui));
    await writeEnforcementActive(this.#paths.public, this.#nonce, on, {
      lifeline: this.#lifeline,
    });
    this.#commandStarted = true;
    // A signal that arrived after the last boot wait still ends the session.
    if (this.#interrupted) throw interrupted(this.#interrupted, this.#phase);
  }

  /** Steady: the command runs; its status is ours. */
  async #steady({ attach, pump }: TargetStdio): Promise<number> {
    // Sized at start (a later SIGWINCH resizes again): a resize here could find the command
    // gone already and fail a session that succeeded.
    if (this.#o.tty) this.#restoreTerminal = this.#io.setRaw?.();
    await Promise.race([this.#targetExit, this.#managerExit]);
    const managerDied = await this.#managerDiedFirst();
    const status = await this.#targetExit;
    await Promise.race([pump.output, delay(2000)]);
    pump.stop();
    attach.close();
    if (managerDied) {
      const tail = await this.#settledTail("manager.log");
      const log = join(this.#paths.logs, "manager.log");
      throw managerDiedInSteady(this.#managerExited, tail, log);
    }
    if (status === -1) throw targetVanished();
    this.#emit("session.exit", `command exited with status ${status}`);
    return status!;
  }

  /**
   * After the target or the manager stopped in steady state: whether the manager died under
   * the command. leash-entry kills the command when its lifeline closes (status 120), or
   * never starts it when the lifeline is gone already (119); if the target is still up after
   * a grace (an entry without the lifeline), the host kills it.
   */
  async #managerDiedFirst(): Promise<boolean> {
    const lifeline = [ENTRY_EXIT_LIFELINE, ENTRY_EXIT_LIFELINE_LOST];
    if (this.#targetExited !== undefined && lifeline.includes(this.#targetExited)) {
      // Docker may report the target's exit before the manager's.
      await Promise.race([this.#managerExit, delay(2000)]);
    }
    if (this.#managerExited === undefined) return false;
    await Promise.race([this.#targetExit, delay(5000)]);
    if (this.#targetExited === undefined) {
      await this.#docker.containers.kill(this.#target!, "SIGKILL").catch(() => {});
    }
    return true;
  }

  /** Removes both containers, stops the sockets; never throws. */
  async teardown(): Promise<void> {
    this.#restoreTerminal?.();
    this.#unsubscribe?.();
    if (this.#channel && this.#managerExited === undefined) {
      await this.#channel.request({ type: "stop" }, ["stopped"], { timeoutMs: 2000 })
        .catch(() => {});
    }
    this.#channel?.close();
    // A manager still being created or started is waited for, so it cannot outlive the session.
    await this.#managerPending?.catch(() => {});
    for (const id of [this.#manager, this.#target]) {
      if (id) await this.#docker.containers.remove(id, { force: true }).catch(() => {});
    }
    for (const c of this.#captures) {
      await Promise.race([c.done, delay(1000)]);
      c.stop();
    }
    await this.#ui?.close().catch(() => {});
    await this.#egress?.close().catch(() => {});
    await this.#control?.close().catch(() => {});
    if (this.#paths) {
      await Deno.remove(this.#paths.sockets, { recursive: true }).catch(() => {});
      await Deno.remove(join(this.#paths.root, "pid")).catch(() => {});
    }
    await this.#summary().catch(() => {});
    this.#eventsFile?.close();
  }

  /**
   * The end-of-session summary: how many events were recorded and what was lost at each stage,
   * as a `session.drops` event (the log's drops line) and one line on stderr.
   */
  async #summary(): Promise<void> {
    if (!this.#events || !this.#drops) return;
    const drops = this.#drops.snapshot();
    const lost = this.#drops.lostEvents();
    const line = `drops: ${formatDrops(drops)}`;
    this.#events.emit({ event: "session.drops", ...drops, lost, message: line });
    await this.#io.note(
      `leash: events: ${this.#events.seq} recorded in ${join(this.#paths.logs, "events.ndjson")}; ${
        lost === 0 ? "none lost" : `${lost} LOST`
      } (${line})\n`,
    );
  }

  /** Turns a failure during boot into the phase's message; called from the wait loops. */
  #check(): void {
    if (this.#interrupted) throw interrupted(this.#interrupted, this.#phase);
    if (this.#targetExited !== undefined) throw new TargetExit(this.#targetExited);
    if (this.#managerExited !== undefined && this.#manager) {
      throw new ManagerExit(this.#managerExited);
    }
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

  /** Adds the exit code and log excerpt to a container's death. */
  async #explain(error: unknown): Promise<unknown> {
    return await explainExit(error, this.#phase, (name) => this.#settledTail(name));
  }

  async #settledTail(name: string): Promise<string> {
    for (const c of this.#captures) await Promise.race([c.done, delay(500)]);
    return await logTail(join(this.#paths.logs, name));
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
    if (!this.#target) return;
    if (signal === "SIGINT") {
      this.#docker.containers.kill(this.#target, "SIGINT").catch(() => {});
    } else {
      // SIGTERM, or SIGHUP: the terminal is gone, nobody is left to answer the command.
      this.#docker.containers.stop(this.#target, { timeout: 5 }).catch(() => {});
    }
  }

  /** Creates the manager container (to run in the target's netns). */
  async #createManager(image: string, name: string): Promise<void> {
    this.#manager = await createManagerContainer(
      this.#docker,
      managerConfig({
        image,
        sessionId: this.#paths.id,
        target: this.#target!,
        socketDir: this.#paths.sockets,
      }),
      { name },
    );
  }

  /** Starts the manager container, its logs and exit watched. */
  async #startManager(): Promise<void> {
    const manager = this.#manager!;
    await this.#docker.containers.start(manager);
    this.#captures.push(
      captureLogs(this.#docker, manager, join(this.#paths.logs, "manager.log")),
    );
    this.#managerExit = this.#docker.containers.wait(manager, { condition: "next-exit" })
      .then((r) => (this.#managerExited = r.StatusCode), () => (this.#managerExited = -1));
  }

  async #resize(): Promise<void> {
    const size = this.#io.consoleSize?.();
    if (size && this.#target) await this.#docker.containers.resize(this.#target, size);
  }

  #emit(
    event: `boot.${string}` | `session.${string}` | `kernel.${string}`,
    message: string,
    facts = {},
  ): void {
    this.#events?.emit({ event, message, ...facts });
  }
}
