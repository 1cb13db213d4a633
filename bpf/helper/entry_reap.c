/* See entry_reap.h. Image code (the distro's CA tool) runs as root before enforcement: it
 * must not learn the session nonce, and nothing it starts may outlive it, or such a
 * process would run outside Landlock, outside the user drop and unseen by the host. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "entry_reap.h"
#include "entry_util.h"

int entry_guard_self(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		entry_log("Cannot start: prctl(PR_SET_DUMPABLE, 0) failed: %s", strerror(errno));
		return -1;
	}
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
		entry_log("Cannot start: prctl(PR_SET_CHILD_SUBREAPER) failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int entry_take_env(const char *name, char *out, size_t cap)
{
	char *value = getenv(name);
	if (!value || !*value)
		return 1;
	size_t n = strlen(value);
	if (n >= cap)
		return -1;
	memcpy(out, value, n + 1);
	/* getenv points into the block /proc/PID/environ shows: blank it there too. */
	memset(value, 'x', n);
	unsetenv(name);
	return 0;
}

/* Sends SIGKILL to every process whose parent is us; returns how many were found. */
static int kill_children(void)
{
	DIR *proc = opendir("/proc");
	if (!proc)
		return 0;
	int found = 0;
	pid_t self = getpid();
	struct dirent *d;
	while ((d = readdir(proc))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);
		if (*end || pid <= 0 || pid == self)
			continue;
		char path[64], stat[512];
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t n = fread(stat, 1, sizeof(stat) - 1, f);
		fclose(f);
		stat[n] = '\0';
		/* "pid (comm) state ppid ...": comm may hold spaces and parentheses. */
		char *close = strrchr(stat, ')');
		char state;
		long ppid;
		if (!close || sscanf(close + 1, " %c %ld", &state, &ppid) != 2 || ppid != self)
			continue;
		kill((pid_t)pid, SIGKILL);
		found++;
	}
	closedir(proc);
	return found;
}

int entry_kill_leftovers(double deadline)
{
	int killed = 0;
	for (;;) {
		int signalled = getpid() == 1 ? kill(-1, SIGKILL) == 0 : kill_children() > 0;
		killed += signalled;
		pid_t pid;
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		}
		if (!signalled && pid < 0 && errno == ECHILD)
			break;
		if (entry_now() >= deadline) {
			entry_log("Cannot start: processes left by the CA tool did not die before the "
				  "bootstrap deadline");
			return -1;
		}
		usleep(1000);
	}
	if (killed)
		entry_log("killed the processes the CA tool left behind: nothing image code starts "
			  "before enforcement outlives it");
	return 0;
}
