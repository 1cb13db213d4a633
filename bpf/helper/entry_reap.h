/* leash-entry's guard against image code run before enforcement (the CA tool): the nonce
 * kept out of its reach, and every process it leaves behind killed and reaped. */
#ifndef LEASH_ENTRY_REAP_H
#define LEASH_ENTRY_REAP_H

#include <stddef.h>

/* Makes us non-dumpable (our /proc files and memory out of reach of processes without
 * CAP_SYS_PTRACE) and a child subreaper (orphans of what we start come back to us);
 * returns 0 or -1 after logging. */
int entry_guard_self(void);

/* Copies the environment variable name into out (cap bytes), overwrites its value where the
 * kernel shows it (/proc/PID/environ) and unsets it; 0 copied, 1 absent, -1 too long. */
int entry_take_env(const char *name, char *out, size_t cap);

/* Kills every process but us (as PID 1: all of the container; otherwise every descendant,
 * which the subreaper brings back to us) and reaps them, until none is left or deadline
 * (monotonic s) passes; 0 done, -1 after logging. */
int entry_kill_leftovers(double deadline);

#endif
