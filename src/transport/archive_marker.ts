/**
 * Reads a file a container wrote through the Engine API (`GET /containers/{id}/archive`),
 * with the same rules as `readUntrustedFile()`: regular files only (the archive API reports a
 * symlink, FIFO or device as such instead of following or opening it), bounded in size.
 */
import { DockerApiError, type DockerClient, readTar, type TarReadEntry } from "../docker/mod.ts";
import { untrustedNotRegular, untrustedTooLarge } from "../fs/mod.ts";

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
    if (error instanceof RangeError) throw untrustedTooLarge(path, maxBytes);
    throw error;
  }
  const [entry] = readTar(archive);
  if (entry === undefined) throw untrustedNotRegular(path, "empty (no entry in its archive)");
  if (entry.type !== "file") throw untrustedNotRegular(path, kind(entry));
  if (entry.data.length > maxBytes) throw untrustedTooLarge(path, maxBytes);
  return new TextDecoder().decode(entry.data);
}

/** The same words as `readUntrustedFile()`'s refusals. */
function kind(entry: TarReadEntry): string {
  if (entry.type === "symlink") return "a symbolic link";
  if (entry.type === "directory") return "a directory";
  if (entry.type === "hardlink") return "a hard link";
  if (entry.typeflag === "6") return "a FIFO";
  return "a device or socket";
}
