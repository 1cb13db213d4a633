/**
 * Reads a file a container wrote through the Engine API (`GET /containers/{id}/archive`),
 * with the same rules as `readUntrustedFile()`: regular files only (the archive API reports a
 * symlink, FIFO or device as such instead of following or opening it), bounded in size.
 */
import { DockerApiError, type DockerClient, readTar } from "../docker/mod.ts";
import { UntrustedFileError } from "../fs/mod.ts";

/** Tar overhead accepted on top of the file's bytes (headers, PAX records, padding). */
const TAR_SLACK = 8 * 1024;

/**
 * The text of `path` in container `id`; undefined when it does not exist. Throws
 * `UntrustedFileError` for anything but one regular file of at most `maxBytes`.
 */
export async function readContainerFile(
  docker: DockerClient,
  id: string,
  path: string,
  maxBytes: number,
): Promise<string | undefined> {
  let archive: Uint8Array;
  try {
    archive = await docker.containers.getArchive(id, path, { maxBytes: maxBytes + TAR_SLACK });
  } catch (error) {
    if (error instanceof DockerApiError && error.status === 404) return undefined;
    if (error instanceof RangeError) {
      throw new UntrustedFileError(`Refusing "${path}": larger than ${maxBytes} bytes`, {
        cause: error,
      });
    }
    throw error;
  }
  const entries = readTar(archive);
  const entry = entries[0];
  if (entries.length !== 1 || entry === undefined) {
    throw new UntrustedFileError(
      `Refusing "${path}": not a single file (${entries.length} entries)`,
    );
  }
  if (entry.type !== "file") {
    throw new UntrustedFileError(`Refusing "${path}": it is a ${entry.type}, not a regular file`);
  }
  if (entry.data.length > maxBytes) {
    throw new UntrustedFileError(`Refusing "${path}": larger than ${maxBytes} bytes`);
  }
  return new TextDecoder().decode(entry.data);
}
