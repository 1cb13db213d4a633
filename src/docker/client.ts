import { EngineApi } from "./_api.ts";
import { Containers } from "./containers.ts";
import { apiErrorFromResponse, DockerConnectionError } from "./errors.ts";
import { type EngineProfile, engineProfile, isPodman } from "./engine.ts";
import { type EventsOptions, streamEvents } from "./events.ts";
import { createTransport } from "./connect_transport.ts";
import { Images } from "./images.ts";
import { Networks } from "./networks.ts";
import type { DockerTransport } from "./transport.ts";
import { Volumes } from "./volumes.ts";
import type { DockerEvent, EngineInfo, EngineVersion, PingResult } from "./types.ts";
import { type ClientApiVersions, needsEngineMinimum, negotiateApiVersion } from "./version.ts";

/** Options of `DockerClient.connect()`. */
export interface DockerClientOptions {
  /** Engine address in `DOCKER_HOST` syntax. @default {$DOCKER_HOST, else unix:///var/run/docker.sock} */
  host?: string | undefined;
  /**
   * Reads DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, LEASH_DOCKER_INSECURE and
   * LEASH_SSH_CONFIG. @default {Deno.env.get}
   */
  env?: ((name: string) => string | undefined) | undefined;
  /** Use this transport instead of one built from `host` (tests, other transports). */
  transport?: DockerTransport | undefined;
  /** API versions this client may use. @default {MIN_API_VERSION..MAX_API_VERSION} */
  apiVersions?: ClientApiVersions | undefined;
}

/**
 * A Docker Engine API client. `connect()` pings the engine and settles on the highest API
 * version both sides speak; `close()` (or `using`) releases the connection pool.
 */
export class DockerClient implements Disposable {
  /** The negotiated API version, e.g. `1.41`. */
  readonly apiVersion: string;
  /** What the engine said when the client connected. */
  readonly engine: PingResult;
  /** Container lifecycle and I/O. */
  readonly containers: Containers;
  /** Image inspect, build, remove. */
  readonly images: Images;
  /** Network create, inspect, remove. */
  readonly networks: Networks;
  /** Volume create, list, remove. */
  readonly volumes: Volumes;
  #api: EngineApi;
  #profile: Promise<EngineProfile> | undefined;

  private constructor(api: EngineApi, engine: PingResult) {
    this.#api = api;
    this.apiVersion = api.version;
    this.engine = engine;
    this.containers = new Containers(api);
    this.images = new Images(api);
    this.networks = new Networks(api);
    this.volumes = new Volumes(api);
  }

  /**
   * Connects to the engine named by `options.host` or `DOCKER_HOST`. Throws
   * `DockerConnectionError` with the fix when it is unreachable, unsupported or too old.
   */
  static async connect(options: DockerClientOptions = {}): Promise<DockerClient> {
    const transport = options.transport ??
      await createTransport(options.host, options.env ?? ((name) => Deno.env.get(name)));
    try {
      const engine = await ping(transport);
      let min: string | undefined;
      if (needsEngineMinimum(engine.apiVersion, options.apiVersions)) {
        const version = await new EngineApi(transport, "").json<EngineVersion>("GET", "/version")
          .catch(() => undefined);
        min = version?.MinAPIVersion;
      }
      let chosen: string;
      try {
        chosen = negotiateApiVersion({ max: engine.apiVersion, min }, options.apiVersions);
      } catch (error) {
        throw new DockerConnectionError(
          `Cannot use ${engineName(transport)}: ${(error as Error).message}`,
          transport.socket,
          { cause: error },
        );
      }
      return new DockerClient(new EngineApi(transport, chosen), engine);
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  /** Pings the engine again; see `PingResult`. */
  async ping(): Promise<PingResult> {
    return await ping(this.#api.transport);
  }

  /** The engine's version facts (`GET /version`). */
  async version(): Promise<EngineVersion> {
    return await this.#api.json<EngineVersion>("GET", "/version");
  }

  /** The engine's system facts (`GET /info`). */
  async info(): Promise<EngineInfo> {
    return await this.#api.json<EngineInfo>("GET", "/info");
  }

  /** What kind of engine this is (Docker or Podman, rootless, remote); asked once, then cached. */
  profile(): Promise<EngineProfile> {
    this.#profile ??= (async () => {
      const info = await this.info();
      const podmanRootless = isPodman(this.engine)
        ? (await this.#api.json<PodmanInfo>("GET", "/libpod/info")).host?.security?.rootless
        : undefined;
      return engineProfile({
        ping: this.engine,
        info,
        transport: this.#api.transport,
        hostKernel: Deno.osRelease(),
        podmanRootless,
      });
    })();
    this.#profile.catch(() => (this.#profile = undefined));
    return this.#profile;
  }

  /**
   * The address of this machine leash's connections to a remote engine leave from; undefined
   * for a unix socket. Throws with the reason when it cannot be known (e.g. an ssh jump host).
   */
  async localAddress(): Promise<string | undefined> {
    const transport = this.#api.transport;
    return transport.localAddress ? await transport.localAddress() : undefined;
  }

  /** Subscribes to engine events; cancel the stream or abort `signal` to stop. */
  async events(options: EventsOptions = {}): Promise<ReadableStream<DockerEvent>> {
    return await streamEvents(this.#api, options);
  }

  /** Releases the connection pool. Streams still open keep their own connection. */
  close(): void {
    this.#api.transport.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** The part of Podman's `GET /libpod/info` leash reads. */
interface PodmanInfo {
  host?: { security?: { rootless?: boolean } };
}

async function ping(transport: DockerTransport): Promise<PingResult> {
  const response = await transport.fetch("/_ping");
  if (!response.ok) {
    const error = await apiErrorFromResponse(response, "GET", "/_ping");
    const said = error.engineMessage ? `: ${error.engineMessage}` : "";
    const fix = /HTTPS server/i.test(error.engineMessage)
      ? "; the engine requires TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH instead of LEASH_DOCKER_INSECURE"
      : "";
    throw new DockerConnectionError(
      `Cannot use ${
        engineName(transport)
      }: the engine answered /_ping with ${response.status}${said}${fix}`,
      transport.socket,
      { cause: error },
    );
  }
  await response.body?.cancel();
  const header = (name: string) => response.headers.get(name) ?? "";
  const apiVersion = header("api-version");
  if (apiVersion === "") {
    throw new DockerConnectionError(
      `Cannot use ${
        engineName(transport)
      }: the engine did not report its API version; is this a Docker engine? Docker Engine 20.10 or newer is needed`,
      transport.socket,
    );
  }
  return {
    apiVersion,
    osType: header("ostype"),
    experimental: header("docker-experimental") === "true",
    builderVersion: header("builder-version"),
    server: header("server"),
  };
}

/** `Docker socket "/path"` or `Docker engine "tcp://h:2376" (DOCKER_HOST)`, for messages. */
function engineName(transport: DockerTransport): string {
  return transport.remote
    ? `Docker engine "${transport.socket}" (DOCKER_HOST)`
    : `Docker socket "${transport.socket}"`;
}
