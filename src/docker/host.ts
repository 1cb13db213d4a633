/** The default engine socket when `DOCKER_HOST` is unset. */
export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** Where the engine listens, as parsed from `DOCKER_HOST`. */
export interface DockerHost {
  /** The only transport supported so far. */
  transport: "unix";
  /** Absolute path of the unix socket. */
  path: string;
}

/**
 * Parses a `DOCKER_HOST` value; undefined or "" means the default socket.
 * Throws `RangeError` for schemes leash cannot use yet (tcp://, ssh://, npipe://).
 */
export function parseDockerHost(value: string | undefined): DockerHost {
  if (value === undefined || value === "") {
    return { transport: "unix", path: DEFAULT_DOCKER_SOCKET };
  }
  if (value.startsWith("unix://")) {
    const path = value.slice("unix://".length);
    if (!path.startsWith("/")) {
      throw new RangeError(
        `DOCKER_HOST "${value}" is not a usable unix socket: the path must be absolute, e.g. unix:///var/run/docker.sock`,
      );
    }
    return { transport: "unix", path };
  }
  if (value.startsWith("/")) return { transport: "unix", path: value };
  throw new RangeError(
    `DOCKER_HOST "${value}" is not supported yet: only unix:// sockets are; unset DOCKER_HOST or point it at a unix socket (unix:///var/run/docker.sock)`,
  );
}
