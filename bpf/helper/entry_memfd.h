/* leash-entry's guard against code run from memory-backed files (memfd_create + fexecve or
 * execve("/proc/self/fd/N")): Landlock lets the kernel's internal inodes through, so the
 * path rules never see a memfd. A seccomp filter, installed with Landlock just before the
 * command's exec, refuses to create executable memfds:
 *   memfd_create   with MFD_EXEC: EACCES; without MFD_NOEXEC_SEAL (or on kernels before 6.3,
 *                  which lack it and make every memfd executable): ENOSYS, the answer callers
 *                  treat as "no memfd here, fall back"; with MFD_NOEXEC_SEAL: allowed
 *   memfd_secret   ENOSYS
 *   execveat       with AT_EMPTY_PATH (fexecve): ENOSYS, so libc falls back to
 *                  /proc/self/fd/N, which Landlock judges by the file's path
 * also for the x32 and i386 ABIs on x86_64. */
#ifndef LEASH_ENTRY_MEMFD_H
#define LEASH_ENTRY_MEMFD_H

#include <stddef.h>

/* What this kernel allows, probed before bootstrap.ready. */
struct entry_memfd_guard {
	int seccomp;     /* seccomp filters can be installed */
	int noexec_seal; /* memfd_create knows MFD_NOEXEC_SEAL (6.3+) */
	int sysctl;      /* vm.memfd_noexec of our pid namespace (-1: absent, before 6.3) */
};

/* Probes seccomp, MFD_NOEXEC_SEAL and vm.memfd_noexec. */
void entry_memfd_probe(struct entry_memfd_guard *g);

/* The guard as bootstrap.ready reports it (docs/protocol.md): "seccomp-noexec-seal",
 * "seccomp-no-memfd" or "off: REASON". */
const char *entry_memfd_describe(const struct entry_memfd_guard *g);

/* Sets no_new_privs and installs the filter; 0, or -1 after logging why. */
int entry_memfd_install(const struct entry_memfd_guard *g);

#endif
