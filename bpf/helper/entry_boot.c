/* The target half of the BOOT handshake: cgroup-path, leash-entry.ready,
 * bootstrap.ready and the wait for enforcement.active. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "entry_boot.h"
#include "entry_util.h"
#include "json.h"

#define MARKER_MAX (64 * 1024)
#define POLL_INTERVAL_MS 100

/* The cgroup v2 path from /proc/self/cgroup ("0::/docker/<id>"); "" when absent. */
static int read_cgroup_path(char *out, size_t cap)
{
	char *text;
	int rc = entry_read_file("/proc/self/cgroup", 1 << 20, &text, NULL);
	if (rc < 0) {
		entry_log("Cannot read \"/proc/self/cgroup\": %s", strerror(-rc));
		return -1;
	}
	out[0] = '\0';
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "0::", 3) == 0) {
			snprintf(out, cap, "%s", line + 3);
			break;
		}
	}
	free(text);
	return 0;
}

int entry_boot_announce(void)
{
	char path[PATH_MAX + 2];
	if (read_cgroup_path(path, PATH_MAX) != 0)
		return ENTRY_EXIT_MARKER;
	if (path[0] == '\0')
		entry_log("warning: no cgroup v2 entry (\"0::\") in /proc/self/cgroup: cgroup-net "
			  "needs the unified hierarchy; writing an empty cgroup-path");
	else if (strcmp(path, "/") == 0)
		entry_log("warning: cgroup path reads \"/\" (private cgroup namespace): run the "
			  "target with --cgroupns host or resolve the path from its init pid");
	size_t n = strlen(path);
	if (n)
		path[n++] = '\n';
	if (entry_write_atomic(ENTRY_CGROUP_PATH, path, n, 0644) != 0)
		return ENTRY_EXIT_MARKER;

	char json[256];
	snprintf(json, sizeof(json), "{\"protocol\":%d,\"pid\":%d,\"version\":\"%s\"}\n",
		 ENTRY_PROTOCOL, (int)getpid(), LEASH_VERSION);
	if (entry_write_atomic(ENTRY_READY, json, strlen(json), 0644) != 0)
		return ENTRY_EXIT_MARKER;
	return 0;
}

/* RFC 3339 UTC with milliseconds, as JavaScript's toISOString() prints it. */
static void rfc3339_now(char *out, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, cap, "%.20s.%03dZ", base, (int)(ts.tv_nsec / 1000000));
}

int entry_boot_bootstrap_ready(const char *nonce, const char *memfd_guard)
{
	char host[256] = "", stamp[40], json[2048];
	if (gethostname(host, sizeof(host) - 1) != 0)
		entry_log("warning: gethostname failed: %s", strerror(errno));
	rfc3339_now(stamp, sizeof(stamp));
	snprintf(json, sizeof(json), "{\"protocol\":%d,\"pid\":%d,\"hostname\":", ENTRY_PROTOCOL,
		 (int)getpid());
	if (json_quote(json, sizeof(json), host) ||
	    strlen(json) + 16 >= sizeof(json)) {
		entry_log("Cannot write \"%s\": hostname too long", ENTRY_BOOTSTRAP_READY);
		return ENTRY_EXIT_MARKER;
	}
	strcat(json, ",\"timestamp\":");
	json_quote(json, sizeof(json), stamp);
	strcat(json, ",\"memfd_guard\":");
	json_quote(json, sizeof(json), memfd_guard);
	strcat(json, ",\"nonce\":");
	if (json_quote(json, sizeof(json), nonce) || strlen(json) + 3 >= sizeof(json)) {
		entry_log("Cannot write \"%s\": nonce too long", ENTRY_BOOTSTRAP_READY);
		return ENTRY_EXIT_MARKER;
	}
	strcat(json, "}\n");
	if (entry_write_atomic(ENTRY_BOOTSTRAP_READY, json, strlen(json), 0644) != 0)
		return ENTRY_EXIT_MARKER;
	return 0;
}

/* What the last look at enforcement.active found, so each new state is logged once. */
struct seen {
	ino_t ino;
	struct timespec mtime;
	off_t size;
	const char *reason;
};

/* Looks at the marker once: 0 valid, 1 keep waiting, else an exit code. */
static int check_active(const char *nonce, struct entry_active *out, struct seen *seen)
{
	struct stat st;
	if (stat(ENTRY_ACTIVE, &st) != 0)
		return 1;
	int same = st.st_ino == seen->ino && st.st_size == seen->size &&
		   st.st_mtim.tv_sec == seen->mtime.tv_sec && st.st_mtim.tv_nsec == seen->mtime.tv_nsec;
	if (same && seen->reason)
		return 1;
	char *text;
	size_t len;
	int rc = entry_read_file(ENTRY_ACTIVE, MARKER_MAX, &text, &len);
	if (rc == -ENOENT)
		return 1;
	seen->ino = st.st_ino;
	seen->size = st.st_size;
	seen->mtime = st.st_mtim;
	if (rc < 0) {
		seen->reason = "unreadable";
		entry_log("warning: ignoring \"%s\": cannot read it: %s", ENTRY_ACTIVE, strerror(-rc));
		return 1;
	}
	const char *err = NULL;
	rc = entry_active_parse(text, len, out, &err);
	free(text);
	if (rc != 0) {
		/* The host writes atomically, so this is a foreign writer: keep waiting. */
		seen->reason = "malformed";
		entry_log("warning: ignoring \"%s\": not valid JSON (%s); waiting for a valid one",
			  ENTRY_ACTIVE, err);
		return 1;
	}
	if (!out->has_protocol || out->protocol != ENTRY_PROTOCOL) {
		entry_log("Cannot start: \"%s\" has protocol %s, leash-entry speaks %d: version "
			  "mismatch: upgrade both halves",
			  ENTRY_ACTIVE, out->has_protocol ? "other than expected" : "missing",
			  ENTRY_PROTOCOL);
		return ENTRY_EXIT_PROTOCOL;
	}
	if (!out->has_nonce || strcmp(out->nonce, nonce) != 0) {
		/* A stale marker of another session: never trusted, and a fresh one may replace it. */
		seen->reason = "wrong nonce";
		entry_log("warning: ignoring \"%s\": its nonce is not this session's (stale marker?); "
			  "still waiting",
			  ENTRY_ACTIVE);
		return 1;
	}
	if (out->layers_ok != 1) {
		entry_log("Cannot start: \"%s\" has no \"layers\" array of strings: version mismatch: "
			  "upgrade both halves",
			  ENTRY_ACTIVE);
		return ENTRY_EXIT_PROTOCOL;
	}
	return 0;
}

int entry_boot_wait_active(const char *nonce, double deadline, double timeout_s,
			   struct entry_active *out)
{
	struct seen seen = {0};
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd >= 0 && inotify_add_watch(ifd, ENTRY_DIR, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
							     IN_ATTRIB) < 0) {
		close(ifd);
		ifd = -1;
	}
	int rc;
	for (;;) {
		rc = check_active(nonce, out, &seen);
		if (rc != 1)
			break;
		double left = deadline - entry_now();
		if (left <= 0) {
			entry_log("Timed out after %g s in phase activation: no valid \"%s\" for this "
				  "session%s: the host did not activate enforcement; see the host's log",
				  timeout_s, ENTRY_ACTIVE,
				  seen.reason ? (strcmp(seen.reason, "wrong nonce") == 0
							 ? " (one with a wrong nonce was ignored)"
							 : " (an invalid one was ignored)")
					      : "");
			rc = ENTRY_EXIT_TIMEOUT;
			break;
		}
		/* inotify wakes us at once on a local fs; the poll interval covers shared fs. */
		int wait_ms = left * 1000 < POLL_INTERVAL_MS ? (int)(left * 1000) + 1 : POLL_INTERVAL_MS;
		if (ifd >= 0) {
			struct pollfd pfd = {.fd = ifd, .events = POLLIN};
			if (poll(&pfd, 1, wait_ms) > 0) {
				char buf[4096];
				while (read(ifd, buf, sizeof(buf)) > 0) {
				}
			}
		} else {
			usleep((useconds_t)wait_ms * 1000);
		}
	}
	if (ifd >= 0)
		close(ifd);
	return rc;
}
