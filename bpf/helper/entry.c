/* leash-entry: the target container's entrypoint, the target half of BOOT
 * (DESIGN.md §3). Usage: leash-entry [--] COMMAND [ARGS...]
 *
 * Steps: write /leash/drop/cgroup-path and /leash/drop/leash-entry.ready; read the
 * environment (the nonce is taken out of it); install the CA (the distro's tool runs without
 * the nonce, in its own session, and every process it leaves is killed and reaped); write
 * /leash/drop/bootstrap.ready; wait for
 * /leash/enforcement.active carrying this session's nonce; apply Landlock when its
 * "layers" list "landlock", and with it the memfd guard (entry_memfd.h); when it names a "lifeline", connect to the manager's abstract
 * socket of that name and wait for its acknowledgement; drop to LEASH_USER; exec COMMAND
 * with its argv untouched. The command never runs without a valid enforcement.active, nor
 * without the lifeline it asks for.
 *
 * Environment (removed before exec, except the CA variables it sets):
 *   LEASH_SESSION_NONCE      required; echoed in bootstrap.ready, expected in
 *                            enforcement.active; removed before any image code runs
 *   LEASH_BOOTSTRAP_TIMEOUT  seconds from start until enforcement.active (default 30)
 *   LEASH_USER               uid[:gid] or name[:group] to run as (default: stay root)
 *
 * enforcement.active rules: invalid JSON or another nonce → ignored with a warning
 * and the wait goes on (a stale marker can be replaced; nothing unverified is ever
 * trusted); "protocol" missing/not 1 or "layers" not an array of strings → exit 115
 * at once. "landlock" in layers requires /leash/landlock.rules; the rules file
 * without "landlock" in layers is refused too (host and entry must agree).
 *
 * As PID 1 it stays as a minimal init: the command runs in a child that becomes the
 * terminal's foreground group; SIGHUP/INT/QUIT/TERM/USR1/USR2/WINCH/ALRM are
 * forwarded to it, orphans are reaped, and the command's status (128+N when killed
 * by signal N) is the exit status. Otherwise it execs the command itself, unless it holds
 * a lifeline: then it supervises the same way (without reaping orphans).
 *
 * Lifeline (docs/protocol.md): the manager holds the other end. When it ends while the
 * command runs (the manager exited: leash was SIGKILLed and control.sock closed, or the
 * manager crashed or was killed), egress is gone and nothing governs the session any more:
 * as PID 1 leash-entry kills every process of the container (kill(-1, SIGKILL)), otherwise
 * the command's process group, logs one line and exits 120.
 *
 * Exit codes (all lines on stderr start with "leash-entry:"):
 *   110 usage: no command      111 bad environment (nonce, user, timeout)
 *   112 writing a marker       113 CA install failed
 *   114 bootstrap timeout      115 protocol mismatch in enforcement.active
 *   116 Landlock (or its memfd guard) failed                117 privilege drop failed
 *   118 internal (fork, memory)
 *   119 lifeline: cannot connect to the manager or no acknowledgement (command not started)
 *   120 lifeline lost while the command ran: every process was killed
 *   126 command not executable (or denied)   127 command not found
 *   anything else: the command's own status */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "entry_boot.h"
#include "entry_ca.h"
#include "entry_lifeline.h"
#include "entry_memfd.h"
#include "entry_reap.h"
#include "entry_noexec.h"
#include "entry_user.h"
#include "entry_util.h"
#include "landlock.h"
#include "roles.h"

#define DEFAULT_TIMEOUT_S 30.0
#define NONCE_MAX 200

static const int FORWARDED[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
				SIGALRM, 0};

struct plan {
	char **argv;
	int landlock;
	struct entry_memfd_guard memfd; /* installed with Landlock */
	int have_user;
	struct entry_user user;
	int lifeline; /* the connection to the manager, or -1 */
};

/* During bootstrap there is no command yet: a stop request simply ends us. */
static void on_stop(int sig)
{
	static const char msg[] = "leash-entry: stopped by a signal during bootstrap\n";
	ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)ignored;
	_exit(128 + sig);
}

static int parse_timeout(double *out)
{
	const char *raw = getenv("LEASH_BOOTSTRAP_TIMEOUT");
	*out = DEFAULT_TIMEOUT_S;
	if (!raw || !*raw)
		return 0;
	char *end;
	double v = strtod(raw, &end);
	if (*end || !(v > 0) || v > 86400) {
		entry_log("Cannot use LEASH_BOOTSTRAP_TIMEOUT \"%s\": expected seconds between 0 and "
			  "86400",
			  raw);
		return -1;
	}
	*out = v;
	return 0;
}

/* Landlock, user drop, exec: the last steps, in the process that becomes the command. */
static int become_command(const struct plan *plan)
{
	if (plan->landlock && entry_landlock_apply(ENTRY_LANDLOCK_RULES) != 0)
		return ENTRY_EXIT_LANDLOCK;
	if (plan->have_user && entry_user_drop(&plan->user) != 0)
		return ENTRY_EXIT_USER;
	/* With Landlock (which set no_new_privs) the path rules miss memfds: refuse executable
	 * ones. bootstrap.ready told the host whether this holds. */
	if (plan->landlock && plan->memfd.seccomp && entry_memfd_install(&plan->memfd) != 0)
		return ENTRY_EXIT_LANDLOCK;
	execvp(plan->argv[0], plan->argv);
	int err = errno;
	if (err == ENOENT) {
		entry_log("Cannot run \"%s\": command not found", plan->argv[0]);
		return ENTRY_EXIT_NOTFOUND;
	}
	entry_log("Cannot run \"%s\": %s", plan->argv[0], strerror(err));
	return ENTRY_EXIT_NOEXEC;
}

/* Kills what the lifeline protected and says why; returns the exit status. */
static int lifeline_lost(pid_t child)
{
	if (getpid() == 1)
		kill(-1, SIGKILL); /* every process of the container but us */
	else
		kill(-child, SIGKILL); /* the command's process group */
	kill(child, SIGKILL);
	entry_log("Stopped the command: the lifeline to the manager closed (the manager exited: "
		  "leash was killed, or the manager crashed or was stopped); killed %s (fail closed)",
		  getpid() == 1 ? "every process in the container" : "the command's process group");
	return ENTRY_EXIT_LIFELINE_LOST;
}

/* Runs the command in a child, forwards signals, reaps (every orphan as PID 1), passes its
 * status on, and watches the lifeline. */
static int supervise(const struct plan *plan)
{
	sigset_t set, old;
	sigemptyset(&set);
	for (int i = 0; FORWARDED[i]; i++)
		sigaddset(&set, FORWARDED[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (int i = 0; FORWARDED[i]; i++)
		signal(FORWARDED[i], SIG_DFL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		entry_log("Cannot start the command: signalfd failed: %s", strerror(errno));
		return ENTRY_EXIT_INTERNAL;
	}
	pid_t child = fork();
	if (child < 0) {
		entry_log("Cannot start the command: fork failed: %s", strerror(errno));
		return ENTRY_EXIT_INTERNAL;
	}
	if (child == 0) {
		close(sfd);
		if (plan->lifeline >= 0)
			close(plan->lifeline);
		/* Own process group in the terminal's foreground, so Ctrl-C reaches the command.
		 * A background group calling tcsetpgrp gets SIGTTOU (and stops) unless it blocks it. */
		sigset_t ttou;
		sigemptyset(&ttou);
		sigaddset(&ttou, SIGTTOU);
		sigprocmask(SIG_BLOCK, &ttou, NULL);
		setpgid(0, 0);
		if (isatty(STDIN_FILENO) && tcsetpgrp(STDIN_FILENO, getpid()) != 0)
			entry_log("warning: cannot make the command the terminal's foreground: %s",
				  strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		_exit(become_command(plan));
	}
	/* Also here, so a lifeline lost before the child ran setpgid still finds its group. */
	setpgid(child, child);
	for (;;) {
		struct pollfd fds[2] = {
			{.fd = sfd, .events = POLLIN},
			{.fd = plan->lifeline, .events = POLLIN},
		};
		if (poll(fds, plan->lifeline >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			entry_log("Cannot supervise the command: poll failed: %s", strerror(errno));
			kill(child, SIGKILL);
			return ENTRY_EXIT_INTERNAL;
		}
		struct signalfd_siginfo info;
		while (read(sfd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
			int sig = (int)info.ssi_signo;
			if (sig == SIGCHLD)
				continue;
			kill(child, sig);
		}
		/* Reaped before the lifeline is looked at: a command that ended wins its status. */
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid != child)
				continue;
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			if (WIFSIGNALED(status))
				return 128 + WTERMSIG(status);
		}
		if (plan->lifeline >= 0 && fds[1].revents && entry_lifeline_ended(plan->lifeline))
			return lifeline_lost(child);
	}
}

/* Removes the variables meant for leash-entry alone before the command sees them. */
static void scrub_env(void)
{
	unsetenv("LEASH_BOOTSTRAP_TIMEOUT");
	unsetenv("LEASH_USER");
}

int entry_main(int argc, char **argv)
{
	double start = entry_now();
	struct plan plan = {.lifeline = -1};
	int first = 1;
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	if (first >= argc) {
		entry_log("Cannot start: no command given: usage: leash-entry [--] COMMAND [ARGS...]");
		return ENTRY_EXIT_USAGE;
	}
	plan.argv = argv + first;
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGHUP, on_stop);

	if (entry_guard_self() != 0)
		return ENTRY_EXIT_INTERNAL;
	/* Before anything of the image runs: binds made noexec, CAP_SYS_ADMIN gone. */
	if (entry_noexec_apply() != 0)
		return ENTRY_EXIT_INTERNAL;
	int rc = entry_boot_announce();
	if (rc)
		return rc;

	double timeout_s;
	if (parse_timeout(&timeout_s) != 0)
		return ENTRY_EXIT_ENV;
	double deadline = start + timeout_s;
	/* Taken out of the environment (and blanked where /proc shows it) before any image
	 * code runs: the CA tool must not be able to write a bootstrap.ready of its own. */
	static char nonce[NONCE_MAX + 1];
	rc = entry_take_env("LEASH_SESSION_NONCE", nonce, sizeof(nonce));
	if (rc == 1) {
		entry_log("Cannot start: LEASH_SESSION_NONCE is not set: leash-entry runs only "
			  "under leash run, which sets it");
		return ENTRY_EXIT_ENV;
	}
	if (rc < 0) {
		entry_log("Cannot start: LEASH_SESSION_NONCE is longer than %d bytes", NONCE_MAX);
		return ENTRY_EXIT_ENV;
	}
	const char *user = getenv("LEASH_USER");
	if (user && *user) {
		/* Resolved now: after Landlock /etc may be unreadable. */
		if (entry_user_resolve(user, &plan.user) != 0)
			return ENTRY_EXIT_ENV;
		plan.have_user = 1;
	}

	rc = entry_ca_install(deadline, timeout_s);
	if (rc)
		return rc;
	/* Whatever the CA tool started dies here, before bootstrap.ready. */
	if (entry_kill_leftovers(deadline) != 0)
		return ENTRY_EXIT_CA;
	entry_memfd_probe(&plan.memfd);
	rc = entry_boot_bootstrap_ready(nonce, entry_memfd_describe(&plan.memfd));
	if (rc)
		return rc;

	struct entry_active active;
	rc = entry_boot_wait_active(nonce, deadline, timeout_s, &active);
	if (rc)
		return rc;
	plan.landlock = entry_active_has_layer(&active, "landlock");
	if (!plan.landlock && entry_exists(ENTRY_LANDLOCK_RULES)) {
		entry_log("Cannot start: \"%s\" exists but enforcement.active does not list "
			  "\"landlock\": host and entry disagree on the posture",
			  ENTRY_LANDLOCK_RULES);
		return ENTRY_EXIT_PROTOCOL;
	}
	char layers[256] = "";
	for (int i = 0; i < active.n_layers; i++)
		snprintf(layers + strlen(layers), sizeof(layers) - strlen(layers), "%s%s",
			 i ? "," : "", active.layers[i]);
	if (active.lifeline_ok < 0) {
		entry_log("Cannot start: \"lifeline\" in \"%s\" is not a string: version mismatch: "
			  "upgrade both halves",
			  ENTRY_ACTIVE);
		return ENTRY_EXIT_PROTOCOL;
	}
	if (active.lifeline_ok == 1) {
		plan.lifeline = entry_lifeline_connect(active.lifeline);
		if (plan.lifeline < 0)
			return ENTRY_EXIT_LIFELINE;
	}
	entry_log("enforcement active (layers: %s%s%s%s): starting \"%s\"", layers[0] ? layers : "none",
		  plan.lifeline >= 0 ? "; lifeline held" : "", plan.landlock ? "; memfd guard: " : "",
		  plan.landlock ? entry_memfd_describe(&plan.memfd) : "", plan.argv[0]);
	scrub_env();
	if (getpid() == 1 || plan.lifeline >= 0)
		return supervise(&plan);
	return become_command(&plan);
}
