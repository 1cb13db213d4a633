import { type EngineApi, pathPart } from "./_api.ts";
import { attachContainer, type AttachOptions, type AttachSession } from "./attach.ts";
import { DemuxStream, type OutputChunk, RawOutputStream } from "./demux.ts";
import type {
  ContainerCreateConfig,
  ContainerCreateResult,
  ContainerInspect,
  ContainerSummary,
  ContainerWaitResult,
  Filters,
} from "./types.ts";

/** Go's os.FileMode bits the engine reports in a path stat. */
const GO_MODE_DIR = 0x80000000;
const GO_MODE_SYMLINK = 0x08000000;

/** A path in a container as the engine stats it (no final symlink followed). */
export interface ContainerPathStat {
  kind: "dir" | "file" | "symlink";
  /** Where a symlink points (the engine's resolution inside the container); "" otherwise. */
  linkTarget: string;
}

/** Options of `containers.list()`. */
export interface ContainerListOptions {
  /** Stopped containers too. @default false */
  all?: boolean | undefined;
  /** Only matching containers, e.g. `{label: ["leash.session"]}`. @default none */
  filters?: Filters | undefined;
}

/** Options of `containers.create()`. */
export interface ContainerCreateOptions {
  /** Container name; the engine picks one when absent. @default {undefined} */
  name?: string | undefined;
}

/** Options of `containers.stop()`. */
export interface ContainerStopOptions {
  /** Seconds to wait after the stop signal before killing. @default {the container's own} */
  timeout?: number | undefined;
}

/** Options of `containers.remove()`. */
export interface ContainerRemoveOptions {
  /** Kill a running container first. @default {false} */
  force?: boolean | undefined;
  /** Remove its anonymous volumes too. @default {false} */
  volumes?: boolean | undefined;
}

/** Options of `containers.wait()`. */
export interface ContainerWaitOptions {
  /** @default {"not-running"} */
  condition?: "not-running" | "next-exit" | "removed" | undefined;
  signal?: AbortSignal | undefined;
}

/** Options of `containers.logs()`. */
export interface ContainerLogsOptions {
  /** @default {true} */
  stdout?: boolean | undefined;
  /** @default {true} */
  stderr?: boolean | undefined;
  /** Keep streaming until the container stops (cancel with `signal`). @default {false} */
  follow?: boolean | undefined;
  /** Only the last N lines. @default {all} */
  tail?: number | undefined;
  /** Prefix lines with RFC 3339 timestamps. @default {false} */
  timestamps?: boolean | undefined;
  /** Whether the container has a TTY (raw output); looked up when absent. @default {inspected} */
  tty?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/** Container lifecycle and I/O: `/containers/...`. */
export class Containers {
  #api: EngineApi;

  constructor(api: EngineApi) {
    this.#api = api;
  }

  /** Lists containers (`GET /containers/json`). */
  async list(options: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    return await this.#api.json<ContainerSummary[]>("GET", "/containers/json", {
      query: { all: options.all, filters: options.filters },
    });
  }

  /** Creates a container; resolves to its id and the engine's warnings. */
  async create(
    config: ContainerCreateConfig,
    options: ContainerCreateOptions = {},
  ): Promise<ContainerCreateResult> {
    return await this.#api.json<ContainerCreateResult>("POST", "/containers/create", {
      query: { name: options.name },
      body: config,
    });
  }

  /** Starts a container; starting a running one is not an error. */
  async start(id: string): Promise<void> {
    await this.#api.send("POST", `/containers/${pathPart(id)}/start`, { accept: [304] });
  }

  /** Stops a container (stop signal, then kill after the timeout); a stopped one is fine. */
  async stop(id: string, options: ContainerStopOptions = {}): Promise<void> {
    await this.#api.send("POST", `/containers/${pathPart(id)}/stop`, {
      query: { t: options.timeout },
      accept: [304],
    });
  }

  /** Sends a signal to a running container. @default signal "SIGKILL" */
  async kill(id: string, signal = "SIGKILL"): Promise<void> {
    await this.#api.send("POST", `/containers/${pathPart(id)}/kill`, { query: { signal } });
  }

  /** Removes a container. */
  async remove(id: string, options: ContainerRemoveOptions = {}): Promise<void> {
    await this.#api.send("DELETE", `/containers/${pathPart(id)}`, {
      query: { force: options.force, v: options.volumes },
    });
  }

  /** The engine's full view of a container. */
  async inspect(id: string): Promise<ContainerInspect> {
    return await this.#api.json<ContainerInspect>("GET", `/containers/${pathPart(id)}/json`);
  }

  /** Waits for a condition (by default: not running) and resolves to the exit code. */
  async wait(id: string, options: ContainerWaitOptions = {}): Promise<ContainerWaitResult> {
    return await this.#api.json<ContainerWaitResult>("POST", `/containers/${pathPart(id)}/wait`, {
      query: { condition: options.condition },
      signal: options.signal,
    });
  }

  /**
   * Streams a container's output, stdout and stderr labelled (demultiplexed from the engine's
   * frames; raw for TTY containers). Cancel the stream or abort `signal` to stop following.
   */
  async logs(
    id: string,
    options: ContainerLogsOptions = {},
  ): Promise<ReadableStream<OutputChunk>> {
    const tty = options.tty ?? (await this.inspect(id)).Config.Tty ?? false;
    const response = await this.#api.request("GET", `/containers/${pathPart(id)}/logs`, {
      query: {
        stdout: options.stdout ?? true,
        stderr: options.stderr ?? true,
        follow: options.follow,
        tail: options.tail,
        timestamps: options.timestamps,
      },
      signal: options.signal,
    });
    const body = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    return body.pipeThrough<OutputChunk>(tty ? new RawOutputStream() : new DemuxStream());
  }

  /** Attaches to a container's stdio over a hijacked connection; see `AttachSession`. */
  async attach(id: string, options: AttachOptions = {}): Promise<AttachSession> {
    const tty = options.tty ?? (await this.inspect(id)).Config.Tty ?? false;
    return await attachContainer(this.#api, id, { ...options, tty });
  }

  /** Sets the TTY size of a container. */
  async resize(id: string, size: { rows: number; columns: number }): Promise<void> {
    await this.#api.send("POST", `/containers/${pathPart(id)}/resize`, {
      query: { h: size.rows, w: size.columns },
    });
  }

  /** Extracts a tar archive into a directory of the container (which must exist). */
  async putArchive(id: string, directory: string, archive: Uint8Array): Promise<void> {
    await this.#api.send("PUT", `/containers/${pathPart(id)}/archive`, {
      query: { path: directory },
      body: archive,
      headers: { "Content-Type": "application/x-tar" },
    });
  }

  /**
   * Stats `path` in the container's filesystem without following a final symlink (the engine
   * reads it, so no access to the host's view of the container is needed); undefined when
   * missing.
   */
  async statPath(id: string, path: string): Promise<ContainerPathStat | undefined> {
    const response = await this.#api.request("HEAD", `/containers/${pathPart(id)}/archive`, {
      query: { path },
      accept: [404],
    });
    await response.body?.cancel();
    if (response.status === 404) return undefined;
    const header = response.headers.get("X-Docker-Container-Path-Stat");
    if (header === null) {
      throw new TypeError(
        `Cannot stat "${path}" in container ${id}: the engine sent no X-Docker-Container-Path-Stat header`,
      );
    }
    const stat = JSON.parse(atob(header)) as { mode: number; linkTarget?: string };
    const kind = stat.mode & GO_MODE_SYMLINK ? "symlink" : stat.mode & GO_MODE_DIR ? "dir" : "file";
    return { kind, linkTarget: stat.linkTarget ?? "" };
  }

  /**
   * Reads a file or directory of the container as a tar archive (read it with `readTar`).
   * With `maxBytes`, stops reading past that many bytes and throws `RangeError` (the file is
   * untrusted and may be huge).
   */
  async getArchive(
    id: string,
    path: string,
    options: { maxBytes?: number } = {},
  ): Promise<Uint8Array> {
    const response = await this.#api.request("GET", `/containers/${pathPart(id)}/archive`, {
      query: { path },
    });
    if (options.maxBytes === undefined || response.body === null) {
      return new Uint8Array(await response.arrayBuffer());
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of response.body) {
      total += chunk.length;
      if (total > options.maxBytes) {
        await response.body.cancel().catch(() => {});
        throw new RangeError(
          `Cannot read "${path}" from container ${id}: its archive exceeds ${options.maxBytes} bytes`,
        );
      }
      chunks.push(chunk);
    }
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}
