/**
 * docker-api-lite: a small Docker Engine API client over the engine's unix socket, TCP with TLS
 * (`DOCKER_HOST=tcp://`, `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`) or ssh (`ssh://`).
 *
 * ```ts
 * using docker = await DockerClient.connect();
 * const { Id } = await docker.containers.create({ Image: "busybox", Cmd: ["echo", "hi"] });
 * ```
 * @module
 */
export { DockerClient, type DockerClientOptions } from "./client.ts";
export type {
  ContainerCreateOptions,
  ContainerListOptions,
  ContainerLogsOptions,
  ContainerPathStat,
  ContainerRemoveOptions,
  Containers,
  ContainerStopOptions,
  ContainerWaitOptions,
} from "./containers.ts";
export type { AttachOptions, AttachSession } from "./attach.ts";
export type {
  ImageBuildOptions,
  ImageBuildResult,
  ImageImportOptions,
  ImageRemoveOptions,
  Images,
} from "./images.ts";
export type { Networks } from "./networks.ts";
export type { Volumes, VolumeSummary } from "./volumes.ts";
export type { EventsOptions } from "./events.ts";
export {
  describeEngineKind,
  type EngineKind,
  type EngineProfile,
  engineProfile,
  kernelArchitecture,
} from "./engine.ts";
export { DockerApiError, DockerBuildError, DockerConnectionError } from "./errors.ts";
export {
  DEFAULT_DOCKER_SOCKET,
  type DockerHost,
  formatDockerHost,
  parseDockerHost,
} from "./host.ts";
export { MAX_API_VERSION, MIN_API_VERSION, negotiateApiVersion } from "./version.ts";
export type { DockerTransport, RawConn } from "./transport.ts";
export { UnixSocketTransport } from "./transport.ts";
export { createTransport, DOCKER_PLAIN_PORT, DOCKER_TLS_PORT } from "./connect_transport.ts";
export { TcpTransport, type TcpTransportOptions } from "./tcp_transport.ts";
export { SshTransport, type SshTransportOptions } from "./ssh_transport.ts";
export {
  type CollectedOutput,
  collectOutput,
  DemuxStream,
  type OutputChunk,
  type StdStream,
} from "./demux.ts";
export { createTar, type TarEntry } from "./tar.ts";
export { readTar, type TarReadEntry } from "./tar_reader.ts";
export type * from "./types.ts";
