/* The target half of the BOOT handshake (DESIGN.md §3): the markers leash-entry
 * writes and the wait for the host's enforcement.active. */
#ifndef LEASH_ENTRY_BOOT_H
#define LEASH_ENTRY_BOOT_H

#include "entry_active.h"

/* Writes /leash/cgroup-path and /leash/leash-entry.ready; returns 0 or an exit code. */
int entry_boot_announce(void);

/* Writes /leash/bootstrap.ready carrying nonce and what the memfd guard can do here
 * (entry_memfd_describe); returns 0 or an exit code. */
int entry_boot_bootstrap_ready(const char *nonce, const char *memfd_guard);

/* Waits until deadline (monotonic seconds) for enforcement.active with this nonce;
 * fills out and returns 0, or returns an exit code after logging why. */
int entry_boot_wait_active(const char *nonce, double deadline, double timeout_s,
			   struct entry_active *out);

#endif
