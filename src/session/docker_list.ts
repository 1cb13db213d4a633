/**
 * The two listings `leash clean` needs that the Docker client does not offer yet:
 * containers and images by label (`GET /containers/json`, `GET /images/json`).
 */
import { type DockerClient, parseDockerHost, UnixSocketTransport } from "../docker/mod.ts";

/** One container of `GET /containers/json`. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Labels: Record<string, string> | null;
  State: string;
}

/** One image of `GET /images/json`. */
export interface ImageSummary {
  Id: string;
  RepoTags: string[] | null;
  Labels: Record<string, string> | null;
}

async function getJson<T>(client: DockerClient, host: string | undefined, path: string) {
  const transport = new UnixSocketTransport(
    parseDockerHost(host ?? Deno.env.get("DOCKER_HOST")).path,
  );
  try {
    const response = await transport.fetch(`/v${client.apiVersion}${path}`);
    if (!response.ok) {
      throw new Error(
        `Cannot list Docker objects: ${path} answered ${response.status}: ${await response.text()}`,
      );
    }
    return await response.json() as T;
  } finally {
    transport.close();
  }
}

/** Containers (running or not) carrying label `key` (any value, or `value`). */
export async function listContainersByLabel(
  client: DockerClient,
  label: string,
  host?: string,
): Promise<ContainerSummary[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  return await getJson<ContainerSummary[]>(
    client,
    host,
    `/containers/json?all=1&filters=${filters}`,
  );
}

/** Images carrying label `label`. */
export async function listImagesByLabel(
  client: DockerClient,
  label: string,
  host?: string,
): Promise<ImageSummary[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  return await getJson<ImageSummary[]>(client, host, `/images/json?filters=${filters}`);
}
