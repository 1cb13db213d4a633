/**
 * Podman's OCI runtimes fail some starts that Docker's do not, with messages that do not say
 * what to change. These turn the known ones into the fix, appended to the API error.
 */

const HINTS: { pattern: RegExp; hint: string }[] = [
  {
    // crun 1.8 on a cgroup v1 host whose v2 hierarchy has controllers (Debian 12 VMs).
    pattern: /cgroups in hybrid mode not supported/i,
    hint:
      "the engine's runtime (crun) refuses this host's cgroup layout; use runc: runtime = \"runc\" under [engine] in containers.conf",
  },
  {
    // Rootful Podman asks for nofile/nproc above its own limits; a root without
    // CAP_SYS_RESOURCE (a sandboxed root) may not raise them.
    pattern: /setrlimit `?RLIMIT_[A-Z]+`?: Operation not permitted/i,
    hint:
      "the engine asks for a resource limit above its own and may not raise it; set default_ulimits (nofile, nproc) no higher than the engine's limits under [containers] in containers.conf",
  },
];

/** The fix for a known runtime failure in the engine's `message`, or undefined. */
export function runtimeHint(message: string): string | undefined {
  return HINTS.find((h) => h.pattern.test(message))?.hint;
}
