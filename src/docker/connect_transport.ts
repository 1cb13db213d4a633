/**
 * Builds the transport `DOCKER_HOST` names: a unix socket, `tcp://` (TLS from DOCKER_TLS_VERIFY
 * and DOCKER_CERT_PATH, or plain tcp with LEASH_DOCKER_INSECURE=1) or `ssh://`.
 */
import { DockerConnectionError } from "./errors.ts";
import { formatDockerHost, parseDockerHost } from "./host.ts";
import { SshTransport } from "./ssh_transport.ts";
import { type EnvReader, loadTlsMaterial, tcpSecurity } from "./tcp_security.ts";
import { TcpTransport } from "./tcp_transport.ts";
import { type DockerTransport, UnixSocketTransport } from "./transport.ts";

/** Docker's ports for `tcp://` without one: 2376 with TLS, 2375 without. */
export const DOCKER_TLS_PORT = 2376;
/** See {@linkcode DOCKER_TLS_PORT}. */
export const DOCKER_PLAIN_PORT = 2375;

/**
 * The transport for `host` (DOCKER_HOST syntax; undefined: `env("DOCKER_HOST")`). Throws
 * `DockerConnectionError` naming DOCKER_HOST and the fix for bad input.
 */
export async function createTransport(
  host: string | undefined,
  env: EnvReader,
): Promise<DockerTransport> {
  const value = host ?? env("DOCKER_HOST");
  try {
    const parsed = parseDockerHost(value);
    switch (parsed.transport) {
      case "unix":
        return new UnixSocketTransport(parsed.path);
      case "tcp": {
        const address = formatDockerHost(parsed);
        const security = tcpSecurity(address, env);
        const tls = security.tls ? await loadTlsMaterial(address, security.certPath) : undefined;
        return await TcpTransport.open({
          hostname: parsed.hostname,
          port: parsed.port ?? (tls ? DOCKER_TLS_PORT : DOCKER_PLAIN_PORT),
          tls,
          address,
        });
      }
      case "ssh": {
        const configFile = env("LEASH_SSH_CONFIG");
        return await SshTransport.open({
          hostname: parsed.hostname,
          user: parsed.user,
          port: parsed.port,
          address: formatDockerHost(parsed),
          ...(configFile ? { configFile } : {}),
        });
      }
    }
  } catch (error) {
    if (error instanceof DockerConnectionError) throw error;
    // The parsers' own errors already say everything: no "Caused by" repeating them.
    if (error instanceof RangeError) throw new DockerConnectionError(error.message, value ?? "");
    throw new DockerConnectionError((error as Error).message, value ?? "", { cause: error });
  }
}
