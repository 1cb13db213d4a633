/**
 * The target's cgroup as leash-entry reports it is untrusted input: the kernel programs
 * govern that cgroup and every descendant, so "/" (or anything outside the target
 * container's own cgroup) would put every process on the host under the agent's policy.
 */

/** Normalised components of an absolute cgroup path; throws `TypeError` for `.`/`..`/empty ones. */
function components(path: string): string[] {
  const parts = path.split("/").slice(1);
  if (parts.length === 1 && parts[0] === "") return [];
  if (parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new TypeError(
      `Cannot accept cgroup path "${path}": it must be normalised (no empty, "." or ".." components)`,
    );
  }
  return parts;
}

/**
 * Checks that `path` is the target container's cgroup or below it: some component names
 * `containerId` (`<id>` with the cgroupfs driver, `docker-<id>.scope` with systemd,
 * `libpod-<id>.scope` with Podman and systemd, `libpod-<id>` with Podman and cgroupfs). Throws `RangeError` for the cgroup root or a path
 * outside the container, `TypeError` for a path that is not normalised.
 */
export function requireContainerCgroup(path: string, containerId: string): string {
  const parts = components(path);
  if (parts.length === 0) {
    throw new RangeError(
      `Cannot activate on cgroup "/": the kernel programs would govern every process on the host; run the target with --cgroupns host so leash-entry reports the container's own cgroup`,
    );
  }
  if (containerId.length < 12) {
    throw new RangeError(
      `Cannot check cgroup "${path}": container id "${containerId}" is too short`,
    );
  }
  const named = parts.some((p) =>
    p === containerId || p === `docker-${containerId}.scope` ||
    p === `libpod-${containerId}.scope` || p === `libpod-${containerId}`
  );
  if (!named) {
    throw new RangeError(
      `Cannot activate on cgroup "${path}": it is not the target container's cgroup (${
        containerId.slice(0, 12)
      }) nor below it`,
    );
  }
  return path;
}
