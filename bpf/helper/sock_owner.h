/* Connecting to the host's session sockets as their owner. A non-root user's socket dir is
 * 0700 for that user (DESIGN.md §7: nothing is widened to other local users); the manager runs
 * as root without CAP_DAC_OVERRIDE, so it takes the owner's filesystem uid and gid for the
 * connect only (setfsuid/setfsgid, per thread, CAP_SETUID/CAP_SETGID granted to the manager
 * container alone) and goes back at once: bpffs, tracefs, cgroupfs and BTF are still read as
 * root, and the eBPF capabilities are never touched. */
#ifndef LEASH_SOCK_OWNER_H
#define LEASH_SOCK_OWNER_H

#include <stddef.h>
#include <sys/types.h>

/* Parses "UID:GID" (--socket-owner) and connects as them from now on; -1 on bad input. */
int sock_owner_parse(const char *spec);

/* connect(2) of a unix stream socket fd to path, as the socket owner when one is set.
 * Returns connect's result with errno; ENAMETOOLONG for a path that does not fit. */
int sock_owner_connect(int fd, const char *path);

/* After a failed connect: " (as uid U gid G; DIR is mode 0NNN owned by U:G)" describing
 * who connected and the socket directory as this process sees it. */
void sock_owner_explain(const char *path, char *buf, size_t cap);

#endif
