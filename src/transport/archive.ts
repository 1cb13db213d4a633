/**
 * The transport of engines that cannot see this machine's files (docs/remote_engines.md).
 * Per session, on the engine: volumes for /leash (read-only in the target), /leash/drop (the
 * markers leash-entry writes), the workspace copy and the manager's sockets; a never-started
 * `stage` container through which leash writes the read-only volume with
 * `PUT /containers/{id}/archive` (so even root in the target cannot write it, as with the
 * read-only bind mount); a `bridge` container on an ordinary network that forwards the
 * manager's socket streams to leash's relay listener, each authenticated with the session
 * secret before any byte flows.
 */
import { join } from "node:path";
import { MARKER_MAX_BYTES } from "../boot/mod.ts";
import { collectOutput, createTar, type DockerClient, type TarEntry } from "../docker/mod.ts";
import { readContainerFile } from "./archive_marker.ts";
import { type ChosenRelayAddress, relayAddress } from "./relay_address.ts";
import { newRelaySecret } from "./relay_auth.ts";
import { RelayListener, type RelayRefusal } from "./relay_listener.ts";
import type { ManagerSockets, MarkerSource, SessionTransport } from "./session_transport.ts";
import { workspaceEntries } from "./workspace.ts";

/**
 * Label on everything a session creates (`leash clean` finds leftovers by it); the same as
 * src/session/containers.ts's, which this folder does not import (sessions use transports).
 */
const SESSION_LABEL = "leash.session";
/** Where the bridge finds its secret (uploaded 0400 before it starts; never in its env). */
const SECRET_PATH = "/leash-bridge/secret";
/** Most processes the bridge may have (one per relayed stream). */
const BRIDGE_PIDS = 8192;
/** How long the bridge has to listen on the manager's sockets. */
const BRIDGE_READY_MS = 15_000;

/** What an archive session needs from the session. */
export interface ArchiveTransportOptions {
  docker: DockerClient;
  sessionId: string;
  /** The host's public dir (ca-cert.pem, bin/leash-entry, later the host's markers). */
  publicDir: string;
  publicBin: string;
  /** The host's runtime dir whose unix sockets serve control, proxy and DNS. */
  socketDir: string;
  /** The manager image: the stage and the bridge run its /leash-helper. */
  image: string;
  /** The working directory, copied into the workspace volume. */
  cwd: string;
  /** `LEASH_RELAY_ADDRESS`: where leash listens and the bridge dials. @default {relayAddress()'s choice} */
  relayAddress?: string | undefined;
  /** A relay connection that did not authenticate (an event). */
  onRefused?: (refusal: RelayRefusal) => void;
  /** A line for the user. */
  note?: (line: string) => Promise<void> | void;
}

/** Files through the Engine API, relay through the bridge (remote engines, or forced). */
export class ArchiveTransport implements SessionTransport {
  readonly kind = "archive";
  readonly hostPaths = false;
  readonly markers: MarkerSource;
  #o: ArchiveTransportOptions;
  #volumes: Record<"public" | "drop" | "sock" | "work", string>;
  #stage: string | undefined;
  #bridge: string | undefined;
  #target: string | undefined;
  #listener: RelayListener | undefined;
  #address: ChosenRelayAddress | undefined;
  #made: string[] = [];

  constructor(options: ArchiveTransportOptions) {
    this.#o = options;
    const v = (role: string) => `leash-${options.sessionId}-${role}`;
    this.#volumes = { public: v("public"), drop: v("drop"), sock: v("sock"), work: v("work") };
    this.markers = {
      dir: "/leash/drop",
      read: (path) => {
        if (this.#target === undefined) return Promise.resolve(undefined);
        return readContainerFile(options.docker, this.#target, path, MARKER_MAX_BYTES);
      },
      intervalMs: 20,
      maxIntervalMs: 250,
    };
  }

  async prepare(): Promise<void> {
    const { docker, sessionId } = this.#o;
    for (const [role, name] of Object.entries(this.#volumes)) {
      await docker.volumes.create(name, { [SESSION_LABEL]: sessionId, "leash.role": role });
      this.#made.push(name);
    }
    this.#stage = (await docker.containers.create({
      Image: this.#o.image,
      Entrypoint: ["/leash-helper"],
      Labels: { [SESSION_LABEL]: sessionId, "leash.role": "stage" },
      HostConfig: {
        NetworkMode: "none",
        CapDrop: ["ALL"],
        Binds: [`${this.#volumes.public}:/leash`, `${this.#volumes.work}:/workspace`],
      },
    }, { name: `leash-${sessionId}-stage` })).Id;
    await this.#stagePublic();
    await this.#stageWorkspace();
    await this.#startBridge();
  }

  targetBinds(cwd: string): string[] {
    return [
      `${this.#volumes.public}:/leash:ro`,
      `${this.#volumes.drop}:/leash/drop`,
      `${this.#volumes.work}:${cwd}`,
    ];
  }

  setTarget(id: string): void {
    this.#target = id;
  }

  async publish(names: readonly string[]): Promise<void> {
    // One upload per file, in order (leash-entry reads landlock.rules only once
    // enforcement.active is there). The engine writes a file in place, so each is written under
    // a hidden name first and then hard-linked to its own: leash-entry never sees it partial.
    for (const name of names) {
      let data: Uint8Array;
      try {
        data = await Deno.readFile(join(this.#o.publicDir, name));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw error;
      }
      await this.#upload([
        { path: `leash/.${name}.tmp`, data, mode: 0o444 },
        { path: `leash/${name}`, type: "hardlink", linkTarget: `leash/.${name}.tmp`, mode: 0o444 },
      ]);
    }
  }

  managerSockets(): ManagerSockets {
    return { source: this.#volumes.sock, ownerFromDir: false };
  }

  logged(): { id: string; file: string }[] {
    return this.#bridge ? [{ id: this.#bridge, file: "bridge.log" }] : [];
  }

  async close(): Promise<void> {
    const { docker } = this.#o;
    for (const id of [this.#bridge, this.#stage]) {
      if (id) await docker.containers.remove(id, { force: true }).catch(() => {});
    }
    await this.#listener?.close().catch(() => {});
    for (const name of this.#made) {
      await docker.volumes.remove(name, { force: true }).catch(() => {});
    }
  }

  /** /leash: the CA certificate, leash-entry (root-owned), the drop dir's mount point. */
  async #stagePublic(): Promise<void> {
    const read = (path: string) => Deno.readFile(path);
    await this.#upload([
      { path: "leash/", type: "directory", mode: 0o755 },
      { path: "leash/bin/", type: "directory", mode: 0o755 },
      { path: "leash/drop/", type: "directory", mode: 0o755 },
      {
        path: "leash/ca-cert.pem",
        data: await read(join(this.#o.publicDir, "ca-cert.pem")),
        mode: 0o644,
      },
      {
        path: "leash/bin/leash-entry",
        data: await read(join(this.#o.publicBin, "leash-entry")),
        mode: 0o755,
      },
    ]);
  }

  async #stageWorkspace(): Promise<void> {
    const copy = await workspaceEntries(this.#o.cwd, "workspace");
    await this.#upload(copy.entries);
    await this.#o.note?.(
      `leash: workspace ${this.#o.cwd} copied to the engine (${copy.files} files, ${
        (copy.bytes / 1048576).toFixed(1)
      } MiB): the command works on this copy; its changes are not copied back and go with the session\n`,
    );
  }

  async #upload(entries: TarEntry[]): Promise<void> {
    await this.#o.docker.containers.putArchive(this.#stage!, "/", createTar(entries));
  }

  /** The relay listener, then the bridge with its secret, until it listens. */
  async #startBridge(): Promise<void> {
    const { docker, sessionId, socketDir } = this.#o;
    const secret = newRelaySecret();
    const address = await relayAddress(docker, this.#o.relayAddress);
    this.#address = address;
    this.#listener = await RelayListener.listen({
      hostname: address.hostname,
      port: address.port,
      secret,
      sockets: {
        control: join(socketDir, "control.sock"),
        proxy: join(socketDir, "proxy.sock"),
        dns: join(socketDir, "dns.sock"),
      },
      ...(this.#o.onRefused ? { onRefused: this.#o.onRefused } : {}),
    });
    const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
    this.#bridge = (await docker.containers.create({
      Image: this.#o.image,
      Entrypoint: [
        "/leash-helper",
        "bridge",
        "--dir",
        "/leash-sock",
        "--secret",
        SECRET_PATH,
        "--connect",
        `${host}:${this.#listener.port}`,
      ],
      Labels: { [SESSION_LABEL]: sessionId, "leash.role": "bridge" },
      HostConfig: {
        NetworkMode: "bridge",
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges"],
        // One process per relayed stream: a flood of the agent's connections is refused at
        // this many, it does not exhaust the engine's processes.
        PidsLimit: BRIDGE_PIDS,
        Binds: [`${this.#volumes.sock}:/leash-sock`],
      },
    }, { name: `leash-${sessionId}-bridge` })).Id;
    await docker.containers.putArchive(
      this.#bridge,
      "/",
      createTar([
        { path: "leash-bridge/", type: "directory", mode: 0o500 },
        { path: SECRET_PATH, data: secret, mode: 0o400 },
      ]),
    );
    secret.fill(0); // the listener keeps its own copy
    await docker.containers.start(this.#bridge);
    await this.#bridgeReady();
  }

  async #bridgeReady(): Promise<void> {
    const { docker } = this.#o;
    const deadline = performance.now() + BRIDGE_READY_MS;
    let pause = 20;
    while (performance.now() < deadline) {
      const ready = await readContainerFile(docker, this.#bridge!, "/leash-sock/bridge.ready", 64);
      if (ready !== undefined) return;
      const state = (await docker.containers.inspect(this.#bridge!)).State;
      if (!state.Running) throw await this.#bridgeFailed(state.ExitCode);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 250);
    }
    throw new Error(
      `Cannot start the relay bridge (relay listener ${this.#where()}): its sockets were not ready within ${
        BRIDGE_READY_MS / 1000
      } s; see logs/bridge.log`,
    );
  }

  /** The listener's address as the bridge dials it, and where it came from. */
  #where(): string {
    const a = this.#address!;
    const host = a.hostname.includes(":") ? `[${a.hostname}]` : a.hostname;
    const from = a.source === "LEASH_RELAY_ADDRESS" ? "from " : "";
    return `"${host}:${this.#listener?.port ?? a.port}" (${from}${a.source})`;
  }

  /**
   * Why the bridge exited before it was ready. Status 3: its probe could not reach the relay
   * listener (docs/remote_engines.md §3), so the address is named with the variable to change.
   */
  async #bridgeFailed(status: number): Promise<Error> {
    const logs = await this.#o.docker.containers.logs(this.#bridge!, { stderr: true })
      .then(collectOutput).then((o) =>
        o.stderr.trim().split("\n").filter((l) => !/Cannot reach leash's relay/.test(l))
          .slice(-1).join("")
      )
      .catch(() => "");
    const said = logs ? `: ${logs}` : "";
    if (status === 3) {
      return new Error(
        `Cannot reach leash's relay listener ${this.#where()} from the engine's containers${said}; set LEASH_RELAY_ADDRESS to an address of this machine they reach (ADDR or ADDR:PORT)`,
      );
    }
    return new Error(
      `Cannot start the relay bridge: it exited with status ${status}${said}; see logs/bridge.log`,
    );
  }
}
