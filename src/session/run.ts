/**
 * `leash run`: one session from start to teardown (DESIGN.md §1 and §3, host half).
 * Staging → bootstrap → activation → steady; every failure ends with both containers removed,
 * the sockets gone, the session dir kept with its logs, and a `BootError` naming the phase.
 */
import { join } from "node:path";
import {
  describeEntryExit,
  ENTRY_EXIT_LIFELINE,
  ENTRY_EXIT_LIFELINE_LOST,
  MARKER_NAMES,
  MarkerVersionError,
  newLifelineName,
  parseBootstrapReady,
  parseCgroupPath,
  parseEntryReady,
  STALE_MARKERS,
  writeEnforcementActive,
} from "../boot/mod.ts";
import { readAsset } from "../assets.ts";
import { loadOrCreateCa } from "../ca/mod.ts";
import {
  type ActiveMessage,
  type ControlChannel,
  ControlError,
  ControlServer,
  type HelloMessage,
} from "../control/mod.ts";
import { DockerApiError, type DockerClient, readTar } from "../docker/mod.ts";
import { EventLog, Redactor } from "../events/mod.ts";
import { writeFileAtomic } from "../fs/atomic.ts";
import { ensureManagerImage } from "../manager/image.ts";
import { encodeKernelMaps } from "../native/mod.ts";
import type { LayerName } from "../posture/layers.ts";
import { choosePolicy, compilePolicy, DEFAULT_POLICY_LABEL, type PolicyIr } from "../policy/mod.ts";
import { type Egress, startEgress } from "../proxy/mod.ts";
import { resolveSecrets } from "../secrets/mod.ts";
import { createManagerContainer } from "../manager/container.ts";
import {
  containerNames,
  managerConfig,
  type ManagerConfigOptions,
  targetConfig,
  type TargetConfigOptions,
} from "./containers.ts";
import { createSessionDirs } from "./dirs.ts";
import { BootError } from "./errors.ts";
import { parseBinds } from "./landlock_fs.ts";
import { planLandlock } from "./landlock_plan.ts";
import { captureLogs, type LogCapture, logTail } from "./logs.ts";
import { findOrphans } from "./orphans.ts";
import { writeOwner } from "./owner.ts";
import { newSessionId, type SessionPaths, sessionPaths } from "./paths.ts";
import {
  missingRequired,
  renderSessionPosture,
  type SessionLayer,
  sessionPosture,
} from "./posture.ts";
import { pumpStdio } from "./stdio.ts";
import type { RunIo, RunOptions, SessionSignal } from "./run_options.ts";
import { delay, encodeBase64, ManagerExit, TargetExit } from "./boot_util.ts";

export type { RunIo, RunOptions, SessionSignal } from "./run_options.ts";
import { resolveUser } from "./user.ts";
import { upstreamEgressOptions } from "./upstreams.ts";
import { waitForMarker } from "./wait_marker.ts";
import { withWorkspace } from "./workspace_policy.ts";
import { SessionControl } from "./control.ts";
import { type ControlUi, startControlUi } from "../ui/mod.ts";

/** How long leash-entry has to say `leash-entry.ready` before the image counts as too old. */
export const ENTRY_GRACE_MS = 5000;

/** Layers the host asks the manager to attach. */
const MANAGER_LAYERS: LayerName[] = ["kernel-lsm", "cgroup-net", "observe"];

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
  #lifeline = newLifelineName();
  #events!: EventLog;
  /** Masks secret values in events; the secrets register here as they are read. */
  #redactor = new Redactor();
  #eventsFile: Deno.FsFile | undefined;
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
    const image = await this.#inspectImage();
    const { ir, label, text } = await this.#policy();
    await this.#createSession();
    await this.#io.note(
      `leash: session ${this.#paths.id} · image ${this.#o.image} · policy ${label} · mode ${this.#o.mode}\n`,
    );
    await this.#startUi({ ir, label, text });
    await this.#warnOrphans();
    this.#emit("boot.staging", `session ${this.#paths.id}, policy ${label}`);

    const ca = await loadOrCreateCa(this.#io.privateDir ?? join(this.#io.dirs.data, "ca"));
    await writeFileAtomic(join(this.#paths.public, "ca-cert.pem"), ca.certPem, { mode: 0o644 });
    const entry = this.#io.entryBinary
      ? await Deno.readFile(this.#io.entryBinary)
      : await readAsset("leash-helper");
    await writeFileAtomic(join(this.#paths.publicBin, "leash-entry"), entry, { mode: 0o755 });
    for (const name of STALE_MARKERS) {
      await Deno.remove(join(this.#paths.public, name)).catch(() => {});
    }
    const secrets = await resolveSecrets(this.#o.secrets, { redactor: this.#redactor });
    this.#egress = await startEgress({
      ...await upstreamEgressOptions(this.#io.upstream ?? {}),
      proxySocket: join(this.#paths.sockets, "proxy.sock"),
      dnsSocket: join(this.#paths.sockets, "dns.sock"),
      ir,
      ca,
      secrets,
      events: this.#events,
      mode: this.#o.mode,
      reserved: this.#ui ? [this.#ui.address] : [],
    });
    this.#live?.attachEgress(this.#egress);
    this.#control = await ControlServer.listen(join(this.#paths.sockets, "control.sock"));
    const managerImage = await ensureManagerImage(this.#docker, {
      onProgress: (m) => {
        if (typeof m.stream === "string" && /^Step /.test(m.stream)) {
          this.#io.note(`leash: building ${MANAGER_NOTE}: ${m.stream.trim()}\n`);
        }
      },
      signal: this.#abort.signal,
    });

    // Target: created, user resolved from its own /etc/passwd, attached, then started.
    this.#phase = "create";
    const names = containerNames(this.#paths.id);
    const targetInput = {
      image: this.#o.image,
      sessionId: this.#paths.id,
      command: this.#o.command,
      cwd: this.#io.cwd,
      workdir: this.#o.workdir,
      publicDir: this.#paths.public,
      publicBin: this.#paths.publicBin,
      volumes: this.#o.volumes,
      env: this.#o.env,
      nonce: this.#nonce,
      bootstrapTimeoutS: this.#o.bootstrapTimeoutS,
      tty: this.#o.tty,
      openStdin: this.#io.stdio.stdin !== null,
    };
    const user = await this.#resolveUser(this.#o.user ?? image.user, targetInput);
    this.#target = (await this.#docker.containers.create(
      targetConfig({ ...targetInput, user }),
      { name: names.target },
    )).Id;
    // The manager is created while the target is attached and started (it joins the target's
    // netns only when it starts).
    const managerCreated = this.#createManager(managerImage.tag, names.manager);
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
    managerStarted.catch(() => {}); // awaited below, or by teardown

    // leash-entry.ready within a short grace: else the entry is not ours (version mismatch).
    const check = () => this.#check();
    let entryReady;
    try {
      entryReady = await waitForMarker(join(this.#paths.public, MARKER_NAMES.entryReady), {
        parse: parseEntryReady,
        deadline: Math.min(deadline, performance.now() + ENTRY_GRACE_MS),
        check,
      });
    } catch (error) {
      if (error instanceof MarkerVersionError) {
        throw new BootError(
          `Cannot start the session: leash-entry in the target does not speak BOOT protocol 1: version mismatch: upgrade both halves`,
          "entry",
          { cause: error },
        );
      }
      throw error;
    }
    if (!entryReady.ok) {
      throw new BootError(
        `Cannot start the session: the target's entrypoint did not write "${MARKER_NAMES.entryReady}" within ${
          ENTRY_GRACE_MS / 1000
        } s: version mismatch: upgrade both halves (or the image overrides /leash)`,
        "entry",
      );
    }
    this.#emit("boot.entry", `leash-entry ${entryReady.value.version} ready`);
    const cgroupText = await Deno.readTextFile(join(this.#paths.public, MARKER_NAMES.cgroupPath))
      .catch(() => "");
    const cgroup = parseCgroupPath(cgroupText);

    // Manager in staging: hello.
    this.#phase = "manager";
    await managerStarted;
    this.#channel = await this.#bounded(
      this.#control.accept({
        signal: this.#abort.signal,
        onUnsolicited: (m) => this.#onManagerMessage(m),
      }),
      deadline,
      "the manager did not connect to control.sock",
    );
    const hello = await this.#bounded(
      this.#channel.next(["hello"], { signal: this.#abort.signal }),
      deadline,
      "the manager did not say hello",
    ) as unknown as HelloMessage;
    if (hello.protocol !== 1) {
      throw new BootError(
        `Cannot start the session: the manager speaks control protocol ${hello.protocol}, this leash speaks 1: version mismatch: upgrade both halves`,
        "manager",
      );
    }
    this.#emit("boot.hello", `manager ${hello.version} on kernel ${hello.kernel}`);

    // bootstrap.ready: the CA is installed in the target.
    this.#phase = "bootstrap";
    const bootstrap = await waitForMarker(join(this.#paths.public, MARKER_NAMES.bootstrapReady), {
      parse: (text) => parseBootstrapReady(text, this.#nonce),
      deadline,
      check,
    });
    if (!bootstrap.ok) {
      throw new BootError(
        `Cannot start the session: bootstrap timeout after ${this.#o.bootstrapTimeoutS} s in phase "bootstrap": leash-entry did not write "${MARKER_NAMES.bootstrapReady}"; likely cause: the CA install is stuck (update-ca-certificates blocked or slow); raise --bootstrap-timeout or check ${
          join(this.#paths.logs, "target.log")
        }`,
        "bootstrap",
      );
    }
    this.#emit("boot.bootstrap", `bootstrap.ready from pid ${bootstrap.value.pid}`);

    // Activation.
    this.#phase = "activation";
    if (cgroup === null) {
      throw new BootError(
        "Cannot activate enforcement: leash-entry found no cgroup v2 path for the target; the host needs a cgroup2 hierarchy (pure v2 or /sys/fs/cgroup/unified)",
        "activation",
      );
    }
    let active: ActiveMessage;
    try {
      active = await this.#bounded(
        this.#channel.request(
          {
            type: "activate",
            cgroup,
            mode: this.#o.mode,
            maps: encodeBase64(encodeKernelMaps(ir)),
            layers: MANAGER_LAYERS.filter((l) => !this.#o.disabledLayers?.includes(l)),
            log_allow: false,
            lifeline: this.#lifeline,
          },
          ["active"],
          { signal: this.#abort.signal },
        ),
        deadline,
        "the manager did not answer activate",
      ) as unknown as ActiveMessage;
    } catch (error) {
      if (error instanceof ControlError && error.phase === "activate") {
        throw new BootError(
          `Cannot activate enforcement: ${error.message}; see ${
            join(this.#paths.logs, "manager.log")
          }`,
          "activation",
          { cause: error },
        );
      }
      throw error;
    }
    const layers = await this.#posture(active, ir);
    const missing = missingRequired(layers, this.#o.require);
    if (missing.length > 0) {
      throw new BootError(
        `Cannot start the session: --require ${
          missing.map((l) => `"${l.name}"`).join(", ")
        } not active: ${missing.map((l) => `${l.name}: ${l.reason}`).join("; ")}`,
        "activation",
      );
    }
    const on = layers.filter((l) => l.status !== "off").map((l) => l.name);
    this.#live?.attachManager({
      channel: this.#channel,
      attached: Object.entries(active.layers).filter(([, v]) => v === "ok").map(([k]) => k),
      posture: layers,
    });
    this.#emit("boot.active", `layers ${on.join(",")}`);
    await this.#io.note(
      [
        "leash: enforcement posture of this session:",
        ...renderSessionPosture(layers),
        `leash: logs ${this.#paths.logs}/{target,manager}.log · events ${
          join(this.#paths.logs, "events.ndjson")
        }`,
        this.#ui ? `leash: control UI ${this.#ui.loginUrl}` : 'leash: control UI off (--listen "")',
        "",
      ].join("\n"),
    );
    await writeEnforcementActive(this.#paths.public, this.#nonce, on, {
      lifeline: this.#lifeline,
    });
    this.#commandStarted = true;
    if (this.#interrupted) {
      // The signal arrived after the last boot wait: it still ends the session.
      throw new BootError(
        `Cannot start the session: interrupted by ${this.#interrupted} during ${this.#phase}`,
        this.#phase,
      );
    }
    this.#phase = "steady";
    this.#emit("boot.steady", `boot took ${Math.round(performance.now() - started)} ms`);

    // Steady: the command runs; its status is ours.
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
      throw new BootError(
        `The session stopped: the manager exited with status ${this.#managerExited} after enforcement started; without it nothing enforces the policy or relays egress, so the command was stopped (fail closed)${
          tail
            ? `; the manager's last output:\n${tail}`
            : `; see ${join(this.#paths.logs, "manager.log")}`
        }`,
        "steady",
      );
    }
    if (status === -1) {
      throw new BootError("Cannot get the command's exit status: the target vanished", "steady");
    }
    this.#emit("session.exit", `command exited with status ${status}`);
    return status;
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
    this.#eventsFile?.close();
  }

  /** Turns a failure during boot into the phase's message; called from the wait loops. */
  #check(): void {
    if (this.#interrupted) {
      throw new BootError(
        `Cannot start the session: interrupted by ${this.#interrupted} during ${this.#phase}`,
        this.#phase,
      );
    }
    if (this.#targetExited !== undefined) throw new TargetExit(this.#targetExited);
    if (this.#managerExited !== undefined && this.#manager) {
      throw new ManagerExit(this.#managerExited);
    }
  }

  async #bounded<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let poll: ReturnType<typeof setInterval> | undefined;
    const watchdog = new Promise<never>((_, reject) => {
      timer = setTimeout(() =>
        reject(
          new BootError(
            `Cannot start the session: bootstrap timeout after ${this.#o.bootstrapTimeoutS} s in phase "${this.#phase}": ${what}; see ${
              join(this.#paths.logs, "manager.log")
            }`,
            this.#phase,
          ),
        ), Math.max(0, deadline - performance.now()));
      poll = setInterval(() => {
        try {
          this.#check();
        } catch (error) {
          reject(error);
        }
      }, 20);
    });
    try {
      return await Promise.race([promise, watchdog]);
    } catch (error) {
      promise.catch(() => {});
      throw await this.#explain(error);
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
    }
  }

  /** Adds the exit code and log excerpt to a container's death. */
  async #explain(error: unknown): Promise<unknown> {
    if (error instanceof TargetExit) {
      const tail = await this.#settledTail("target.log");
      const meaning = describeEntryExit(error.status);
      return new BootError(
        `Cannot start the session: the target exited with status ${error.status} during ${this.#phase}${
          meaning ? ` (leash-entry: ${meaning})` : ""
        }${tail ? `; its last output:\n${tail}` : ""}`,
        this.#phase,
      );
    }
    if (error instanceof ManagerExit) {
      const tail = await this.#settledTail("manager.log");
      return new BootError(
        `Cannot start the session: the manager exited with status ${error.status} during ${this.#phase}${
          tail ? `; its last output:\n${tail}` : ""
        }`,
        this.#phase,
      );
    }
    return error;
  }

  async #settledTail(name: string): Promise<string> {
    for (const c of this.#captures) await Promise.race([c.done, delay(500)]);
    return await logTail(join(this.#paths.logs, name));
  }

  async #inspectImage(): Promise<{ user: string }> {
    try {
      const image = await this.#docker.images.inspect(this.#o.image);
      return { user: typeof image.Config.User === "string" ? image.Config.User : "" };
    } catch (error) {
      if (error instanceof DockerApiError && error.status === 404) {
        throw new BootError(
          `Cannot use image "${this.#o.image}": image not found locally: build or load it (leash never pulls)`,
          "image",
          { cause: error },
        );
      }
      throw error;
    }
  }

  async #policy(): Promise<{ ir: PolicyIr; label: string; text: string }> {
    const reader = {
      readTextFile: (path: string) => Deno.readTextFile(path).catch(() => undefined),
    };
    const choice = await choosePolicy(reader, { flag: this.#o.policyFlag, cwd: this.#io.cwd });
    const builtIn = choice.label === DEFAULT_POLICY_LABEL;
    const text = builtIn ? withWorkspace(choice.text, this.#io.cwd) : choice.text;
    const { ir } = compilePolicy(text, { file: choice.path ?? "built-in.cedar" });
    const shown = builtIn ? `${choice.label} (+ ${this.#io.cwd} read-write)` : choice.label;
    return { ir, label: shown, text };
  }

  async #createSession(): Promise<void> {
    const id = newSessionId();
    this.#paths = sessionPaths(this.#io.dirs, id);
    await createSessionDirs(this.#paths);
    await writeOwner(this.#paths.root);
    this.#eventsFile = await Deno.open(join(this.#paths.logs, "events.ndjson"), {
      create: true,
      append: true,
      mode: 0o600,
    });
    const file = this.#eventsFile;
    const encoder = new TextEncoder();
    this.#events = new EventLog(id, {
      redactor: this.#redactor,
      write: (line) => file.writeSync(encoder.encode(line)),
    });
  }

  /** Starts the control UI unless `--listen ""`; its token is kept in the session dir (0600). */
  async #startUi(policy: { ir: PolicyIr; label: string; text: string }): Promise<void> {
    const logs = this.#paths.logs;
    this.#live = new SessionControl({
      id: this.#paths.id,
      image: this.#o.image,
      command: this.#o.command,
      logs: {
        dir: logs,
        events: join(logs, "events.ndjson"),
        target: join(logs, "target.log"),
        manager: join(logs, "manager.log"),
      },
    }, { events: this.#events, mode: this.#o.mode, policy });
    if (this.#o.listen === "") return;
    try {
      this.#ui = await startControlUi({
        listen: this.#o.listen,
        session: this.#live,
        events: this.#events,
        tokenFile: join(this.#paths.root, "ui-token"),
      });
    } catch (error) {
      throw new BootError((error as Error).message, "staging", { cause: error });
    }
    for (const note of this.#ui.notes) await this.#io.note(`${note}\n`);
  }

  async #warnOrphans(): Promise<void> {
    try {
      const orphans = await findOrphans(this.#docker, this.#io.dirs.state);
      if (orphans.length > 0) {
        const names = orphans.map((o) => o.name).join(", ");
        await this.#io.note(
          `leash: warning: ${orphans.length} container(s) of dead sessions remain (${names}); run "leash clean"\n`,
        );
      }
    } catch {
      // The warning is a courtesy; listing failures do not stop the session.
    }
  }

  /**
   * Resolves the user the command runs as to numeric uid:gid. Names are looked up in the
   * image's own /etc/passwd and /etc/group, read from a created (never started) container.
   */
  async #resolveUser(spec: string, input: TargetConfigOptions): Promise<string | undefined> {
    let probe: string | undefined;
    try {
      return await resolveUser(spec, async (path) => {
        probe ??= (await this.#docker.containers.create(targetConfig(input), {
          name: `${containerNames(this.#paths.id).target}-user`,
        })).Id;
        try {
          const tar = readTar(await this.#docker.containers.getArchive(probe, path));
          const file = tar.find((e) => e.type === "file");
          return file ? new TextDecoder().decode(file.data) : undefined;
        } catch (error) {
          if (error instanceof DockerApiError && error.status === 404) return undefined;
          throw error;
        }
      });
    } finally {
      if (probe) await this.#docker.containers.remove(probe, { force: true }).catch(() => {});
    }
  }

  async #posture(active: ActiveMessage, ir: PolicyIr): Promise<SessionLayer[]> {
    const plan = await planLandlock({
      ir,
      mode: this.#o.mode,
      kernelLsm: active.layers["kernel-lsm"] === "ok",
      targetPid: async () => (await this.#docker.containers.inspect(this.#target!)).State.Pid,
      binds: parseBinds([`${this.#io.cwd}:${this.#io.cwd}`, ...this.#o.volumes]),
      publicDir: this.#paths.public,
    });
    for (const warning of plan.warnings) {
      this.#emit("boot.landlock", warning, { layer: "landlock" });
    }
    return sessionPosture({
      attached: active.layers,
      landlock: plan.applied,
      landlockReason: plan.reason,
      landlockWarnings: plan.warnings.length,
      mode: this.#o.mode,
      disabled: this.#o.disabledLayers,
    });
  }

  #onManagerMessage(message: Record<string, unknown>): void {
    if (message.type === "event" && typeof message.event === "object" && message.event) {
      const event = message.event as Record<string, unknown>;
      this.#events.emit({
        ...event,
        event: `${event.event ?? "kernel.event"}` as `kernel.${string}`,
      });
    } else if (message.type === "drops") {
      this.#emit("kernel.drops", `kernel ring buffer drops: ${message.kernel}`);
    } else if (message.type === "relay.error") {
      this.#emit("kernel.relay_error", String(message.message));
    } else if (message.type === "lifeline") {
      this.#emit("boot.lifeline", `lifeline ${String(message.state)}`);
    }
  }

  #onSignal(signal: SessionSignal): void {
    if (signal === "SIGWINCH") {
      this.#resize().catch(() => {});
      return;
    }
    if (!this.#commandStarted) {
      this.#interrupted = signal;
      this.#abort.abort(
        new BootError(
          `Cannot start the session: interrupted by ${signal} during ${this.#phase}`,
          this.#phase,
        ),
      );
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
    this.#manager = await createManagerContainerFor(this.#docker, {
      image,
      sessionId: this.#paths.id,
      target: this.#target!,
      socketDir: this.#paths.sockets,
    }, name);
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

const MANAGER_NOTE = "the manager image (once per leash build)";

async function createManagerContainerFor(
  docker: DockerClient,
  options: ManagerConfigOptions,
  name: string,
): Promise<string> {
  return await createManagerContainer(docker, managerConfig(options), { name });
}
