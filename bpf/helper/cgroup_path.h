/* The target cgroup path the host names in "activate" (docs/protocol.md): the eBPF programs
 * govern it and every descendant, so it must be a strict descendant of the cgroup root. */
#ifndef LEASH_CGROUP_PATH_H
#define LEASH_CGROUP_PATH_H

/* 0 when path is "/" followed by one or more components, none empty, "." or "..", and at
 * most 4000 bytes; -1 otherwise ("/" itself, "//", "/a/", "/a/../b", relative paths). */
int cgroup_path_check(const char *path);

#endif
