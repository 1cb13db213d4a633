import { type EngineApi, pathPart } from "./_api.ts";
import { DockerApiError, DockerBuildError } from "./errors.ts";
import { JsonLinesStream } from "./json_lines.ts";
import type {
  BuildMessage,
  Filters,
  ImageDeleteItem,
  ImageInspect,
  ImageSummary,
} from "./types.ts";

/** Options of `images.build()`. */
export interface ImageBuildOptions {
  /** Name:tag given to the image. @default {untagged} */
  tag?: string | undefined;
  /** Dockerfile path inside the context. @default {"Dockerfile"} */
  dockerfile?: string | undefined;
  /** Labels added to the image. @default {none} */
  labels?: Record<string, string> | undefined;
  /** `ARG` values. @default {none} */
  buildArgs?: Record<string, string> | undefined;
  /** Ignore the build cache. @default {false} */
  noCache?: boolean | undefined;
  /** Called with each progress line the builder sends. @default {ignored} */
  onProgress?: ((message: BuildMessage) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** What `images.build()` produced. */
export interface ImageBuildResult {
  /** `sha256:...` of the built image. */
  id: string;
  /** The builder's text output, joined. */
  output: string;
}

/** Options of `images.remove()`. */
export interface ImageRemoveOptions {
  /** Remove even if tagged several times or used by stopped containers. @default {false} */
  force?: boolean | undefined;
  /** Keep untagged parents. @default {false} */
  noPrune?: boolean | undefined;
}

/** Options of `images.import()`. */
export interface ImageImportOptions {
  /** Dockerfile instructions applied to the image (`CMD`, `ENV`, `LABEL`, ...). @default {none} */
  changes?: string[] | undefined;
  /** Commit message of the imported layer. @default {none} */
  message?: string | undefined;
  signal?: AbortSignal | undefined;
}

const STEP_LINES = /^Step \d+\/\d+ : .*$/gm;

/** Images: `/images/...` and `/build`. */
export class Images {
  #api: EngineApi;

  constructor(api: EngineApi) {
    this.#api = api;
  }

  /** Lists images (`GET /images/json`), e.g. those matching `{label: ["a=b"]}`. */
  async list(filters?: Filters): Promise<ImageSummary[]> {
    return await this.#api.json<ImageSummary[]>("GET", "/images/json", { query: { filters } });
  }

  /** The engine's view of an image; `DockerApiError` 404 when absent. */
  async inspect(name: string): Promise<ImageInspect> {
    return await this.#api.json<ImageInspect>("GET", `/images/${pathPart(name)}/json`);
  }

  /** Whether image `name` is present (404 is false; other errors reject). */
  async exists(name: string): Promise<boolean> {
    try {
      await this.inspect(name);
      return true;
    } catch (error) {
      if (error instanceof DockerApiError && error.status === 404) return false;
      throw error;
    }
  }

  /**
   * Builds an image from a tar build context (e.g. from `createTar()`), streamed to the engine
   * as `application/x-tar`. Progress lines reach `onProgress`; a failing step rejects with a
   * `DockerBuildError` naming the step.
   */
  async build(
    context: Uint8Array | ReadableStream<Uint8Array>,
    options: ImageBuildOptions = {},
  ): Promise<ImageBuildResult> {
    const response = await this.#api.request("POST", "/build", {
      query: {
        t: options.tag,
        dockerfile: options.dockerfile,
        labels: options.labels,
        buildargs: options.buildArgs,
        nocache: options.noCache,
        rm: true,
        forcerm: true,
      },
      body: context,
      headers: { "Content-Type": "application/x-tar" },
      signal: options.signal,
    });
    let id = "";
    let step = "";
    let output = "";
    const messages = (response.body ?? new ReadableStream()).pipeThrough(new JsonLinesStream());
    for await (const value of messages) {
      const message = value as BuildMessage;
      options.onProgress?.(message);
      if (typeof message.stream === "string") {
        output += message.stream;
        const steps = message.stream.match(STEP_LINES);
        if (steps) step = steps.at(-1)!.trim();
        const built = /Successfully built ([0-9a-f]+)/.exec(message.stream);
        if (built && id === "") id = built[1]!;
      }
      if (typeof message.aux?.ID === "string") id = message.aux.ID;
      if (message.errorDetail !== undefined || message.error !== undefined) {
        throw new DockerBuildError({
          tag: options.tag ?? "",
          step,
          engineMessage: (message.errorDetail?.message ?? message.error ?? "").trim(),
        });
      }
    }
    if (id === "") {
      throw new DockerBuildError({
        tag: options.tag ?? "",
        step,
        engineMessage: "the builder ended without reporting an image id",
      });
    }
    return { id, output };
  }

  /**
   * Creates image `tag` (`repository:tag`) from a root filesystem tarball (plain or gzip),
   * streamed to the engine as `docker import -` does; resolves to the image id.
   */
  async import(
    rootfs: Uint8Array | ReadableStream<Uint8Array>,
    tag: string,
    options: ImageImportOptions = {},
  ): Promise<string> {
    const at = tag.lastIndexOf(":");
    const slash = tag.lastIndexOf("/");
    const [repo, version] = at > slash ? [tag.slice(0, at), tag.slice(at + 1)] : [tag, "latest"];
    const response = await this.#api.request("POST", "/images/create", {
      query: {
        fromSrc: "-",
        repo,
        tag: version,
        changes: options.changes,
        message: options.message,
      },
      body: rootfs,
      headers: { "Content-Type": "application/x-tar" },
      signal: options.signal,
    });
    let id = "";
    const messages = (response.body ?? new ReadableStream()).pipeThrough(new JsonLinesStream());
    for await (const value of messages) {
      const message = value as BuildMessage;
      if (message.errorDetail !== undefined || message.error !== undefined) {
        const detail = (message.errorDetail?.message ?? message.error ?? "").trim();
        throw new Error(`Cannot import image "${tag}": ${detail}`);
      }
      if (typeof message.status === "string" && /^sha256:[0-9a-f]{64}$/.test(message.status)) {
        id = message.status;
      }
    }
    if (id === "") {
      throw new Error(`Cannot import image "${tag}": the engine ended without an image id`);
    }
    return id;
  }

  /** Streams `names` as one `docker save` tarball (`GET /images/get`). */
  async save(names: string[]): Promise<ReadableStream<Uint8Array>> {
    const response = await this.#api.request("GET", "/images/get", { query: { names } });
    return response.body ?? new ReadableStream({ start: (c) => c.close() });
  }

  /**
   * Loads a `docker save` tarball (`POST /images/load`), e.g. one {@linkcode Images.save}
   * streams from another engine; resolves to the names the engine loaded.
   */
  async load(tarball: Uint8Array | ReadableStream<Uint8Array>): Promise<string[]> {
    const response = await this.#api.request("POST", "/images/load", {
      query: { quiet: true },
      body: tarball,
      headers: { "Content-Type": "application/x-tar" },
    });
    const loaded: string[] = [];
    const messages = (response.body ?? new ReadableStream()).pipeThrough(new JsonLinesStream());
    for await (const value of messages) {
      const message = value as BuildMessage;
      if (message.errorDetail !== undefined || message.error !== undefined) {
        const detail = (message.errorDetail?.message ?? message.error ?? "").trim();
        throw new Error(`Cannot load images: ${detail}`);
      }
      const name = /^Loaded image(?: ID)?: (\S+)/.exec(message.stream ?? "")?.[1];
      if (name) loaded.push(name);
    }
    return loaded;
  }

  /** Removes an image (tag); resolves to what was untagged and deleted. */
  async remove(name: string, options: ImageRemoveOptions = {}): Promise<ImageDeleteItem[]> {
    return await this.#api.json<ImageDeleteItem[]>("DELETE", `/images/${pathPart(name)}`, {
      query: { force: options.force, noprune: options.noPrune },
    });
  }

  /** Deletes unused images matching `filters` (e.g. `{label: ["leash.test=1"]}`). */
  async prune(filters: Filters = {}): Promise<{ ImagesDeleted: ImageDeleteItem[] | null }> {
    return await this.#api.json("POST", "/images/prune", { query: { filters } });
  }
}
