/* leash-entry's shared pieces: exit codes, the /leash paths, logging, whole-file
 * reads, atomic writes and the monotonic clock. */
#ifndef LEASH_ENTRY_UTIL_H
#define LEASH_ENTRY_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#ifndef LEASH_VERSION
#define LEASH_VERSION "0.1.0"
#endif
#define ENTRY_PROTOCOL 1

/* What the host writes for us (read-only in the target: CA, enforcement.active, rules, bin). */
#define ENTRY_DIR "/leash"
/* What we write for the host (untrusted there): the BOOT markers of the target half. */
#define ENTRY_DROP_DIR ENTRY_DIR "/drop"
#define ENTRY_CGROUP_PATH ENTRY_DROP_DIR "/cgroup-path"
#define ENTRY_READY ENTRY_DROP_DIR "/leash-entry.ready"
#define ENTRY_BOOTSTRAP_READY ENTRY_DROP_DIR "/bootstrap.ready"
#define ENTRY_ACTIVE_NAME "enforcement.active"
#define ENTRY_ACTIVE ENTRY_DIR "/" ENTRY_ACTIVE_NAME
#define ENTRY_CA_CERT ENTRY_DIR "/ca-cert.pem"
#define ENTRY_LANDLOCK_RULES ENTRY_DIR "/landlock.rules"

/* Exit codes, one per failure class (documented in entry.c). */
enum entry_exit {
	ENTRY_EXIT_USAGE = 110,
	ENTRY_EXIT_ENV = 111,
	ENTRY_EXIT_MARKER = 112,
	ENTRY_EXIT_CA = 113,
	ENTRY_EXIT_TIMEOUT = 114,
	ENTRY_EXIT_PROTOCOL = 115,
	ENTRY_EXIT_LANDLOCK = 116,
	ENTRY_EXIT_USER = 117,
	ENTRY_EXIT_INTERNAL = 118,
	ENTRY_EXIT_LIFELINE = 119,
	ENTRY_EXIT_LIFELINE_LOST = 120,
	ENTRY_EXIT_NOEXEC = 126,
	ENTRY_EXIT_NOTFOUND = 127,
};

/* Prints one "leash-entry: ..." line on stderr. */
void entry_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file (at most max bytes) into a NUL-terminated malloc'd buffer.
 * Returns 0, or -errno (-EFBIG when larger than max). */
int entry_read_file(const char *path, size_t max, char **out, size_t *len);

/* Writes path atomically: temp file in the same dir, write, fsync, close, rename.
 * Logs which step failed and returns -1 on failure. */
int entry_write_atomic(const char *path, const char *data, size_t len, mode_t mode);

/* Creates a directory and its parents (mode 0755); returns 0 or -1 with errno. */
int entry_mkdir_p(const char *path);

/* Seconds on the monotonic clock. */
double entry_now(void);

/* Whether path names an existing file (any type). */
int entry_exists(const char *path);

#endif
