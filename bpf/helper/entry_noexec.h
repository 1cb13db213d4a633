/* leash-entry's noexec binds. Docker cannot mount a writable bind noexec, and Landlock judges
 * only execve of a file, so without kernel-lsm `ld.so ./payload` and LD_PRELOAD run workspace
 * files the policy does not let execute. When the host lists mount points in LEASH_NOEXEC
 * (one per line: the workspace and -v binds where the policy grants no exec), the target is
 * created with CAP_SYS_ADMIN and leash-entry, first thing, remounts each of them noexec
 * (nosuid, nodev, keeping ro and the atime flags), then drops CAP_SYS_ADMIN and CAP_SETPCAP
 * from every set, the bounding set included, before any code of the image runs (the CA tool)
 * and before the command. The host reads the result from the target's mountinfo. */
#ifndef LEASH_ENTRY_NOEXEC_H
#define LEASH_ENTRY_NOEXEC_H

/* Remounts LEASH_NOEXEC's mount points (a failure is logged, the host sees it) and drops the
 * capabilities; 0, or -1 after logging when a capability could not be dropped. */
int entry_noexec_apply(void);

#endif
