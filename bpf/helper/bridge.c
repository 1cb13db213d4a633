/* leash-helper bridge (docs/remote_engines.md §3): on an engine whose filesystem is not the
 * host's, the manager's control/proxy/dns connections cannot reach the host's unix sockets.
 * The bridge runs in a third container on an ordinary network and shares a per-session
 * volume of unix sockets with the manager only. It listens there and forwards each accepted
 * connection to leash's TCP listener, answering the listener's challenge with the session
 * secret (bridge_auth.h) before any byte of the stream; then it relays both ways with
 * half-close. One process per connection (fork): the relayed streams share nothing. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "bridge_auth.h"
#include "relay_pipe.h"
#include "roles.h"

#define KINDS 3
#define HANDSHAKE_TIMEOUT_S 10
/* A listener address the engine's network drops packets to fails in seconds, not at the
 * kernel's SYN retry limit (about two minutes). */
#define CONNECT_TIMEOUT_MS 5000

static const char *const KIND_NAMES[KINDS] = {"control", "proxy", "dns"};
static volatile sig_atomic_t stop_requested;

struct target {
	struct sockaddr_storage addr;
	socklen_t len;
	const char *text; /* ADDR:PORT as given, for messages */
};

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: leash-helper bridge --dir DIR --secret FILE --connect ADDR:PORT\n"
			"  DIR: where control.sock, proxy.sock and dns.sock are made (shared with the\n"
			"    manager only); FILE: the session's %d-byte secret (a regular file);\n"
			"  ADDR: an IPv4 address or [IPv6] address of leash's relay listener\n",
		BRIDGE_SECRET_LEN);
}

static int parse_target(const char *text, struct target *t)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':');
	if (!colon || (size_t)(colon - text) >= sizeof(host))
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -1;
	memset(t, 0, sizeof(*t));
	t->text = text;
	size_t hl = strlen(host);
	if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&t->addr;
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -1;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		t->len = sizeof(*a);
		return 0;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)&t->addr;
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return -1;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	t->len = sizeof(*a);
	return 0;
}

static int read_secret(const char *path, uint8_t secret[BRIDGE_SECRET_LEN])
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size != BRIDGE_SECRET_LEN ||
	    read(fd, secret, BRIDGE_SECRET_LEN) != BRIDGE_SECRET_LEN) {
		fprintf(stderr, "leash-bridge: Cannot read the session secret \"%s\": %s\n", path,
			fd < 0 ? strerror(errno) : "not a regular file of exactly 32 bytes");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int listen_unix(const char *dir, const char *kind)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s.sock", dir, kind) >=
	    sizeof(a.sun_path)) {
		fprintf(stderr, "leash-bridge: Cannot listen in \"%s\": path too long\n", dir);
		return -1;
	}
	unlink(a.sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4096)) {
		fprintf(stderr, "leash-bridge: Cannot listen on \"%s\": %s\n", a.sun_path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Tells the host the sockets are there (it reads this file through the Engine API). */
static int write_ready(const char *dir)
{
	char tmp[512], path[512];
	snprintf(tmp, sizeof(tmp), "%s/.bridge.ready.tmp", dir);
	snprintf(path, sizeof(path), "%s/bridge.ready", dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "ready\n", 6) != 6 || fsync(fd) || close(fd) || rename(tmp, path)) {
		fprintf(stderr, "leash-bridge: Cannot write \"%s\": %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			return -1;
	}
	return 0;
}

static int write_full(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0)
			buf += n, len -= (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			return -1;
	}
	return 0;
}

/* connect() within CONNECT_TIMEOUT_MS; 0, or -1 with errno (ETIMEDOUT when it took longer). */
static int connect_bounded(int fd, const struct target *t)
{
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	int rc = connect(fd, (const struct sockaddr *)&t->addr, t->len);
	if (rc && errno == EINPROGRESS) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int n;
		do
			n = poll(&p, 1, CONNECT_TIMEOUT_MS);
		while (n < 0 && errno == EINTR);
		int err = 0;
		socklen_t len = sizeof(err);
		if (n == 0)
			err = ETIMEDOUT;
		else if (n < 0)
			err = errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
			err = errno;
		rc = err ? -1 : 0;
		errno = err;
	}
	if (rc == 0)
		fcntl(fd, F_SETFL, flags);
	return rc;
}

/* Connects to leash and answers its challenge; the connected fd, or -1. */
static int dial_host(const struct target *t, const uint8_t *secret, const char *kind)
{
	struct timeval tv = {.tv_sec = HANDSHAKE_TIMEOUT_S};
	char line[BRIDGE_CHALLENGE_LEN], answer[BRIDGE_ANSWER_MAX];
	uint8_t nonce[BRIDGE_NONCE_LEN];
	int one = 1;
	int fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect_bounded(fd, t)) {
		fprintf(stderr, "leash-bridge: Cannot connect to leash's relay listener %s: %s\n",
			t->text, strerror(errno));
		goto fail;
	}
	if (read_full(fd, line, sizeof(line)) || bridge_parse_challenge(line, sizeof(line), nonce)) {
		fprintf(stderr, "leash-bridge: Cannot authenticate a %s stream: no valid challenge "
				"from the relay listener\n",
			kind);
		goto fail;
	}
	int n = bridge_answer(secret, BRIDGE_SECRET_LEN, nonce, kind, answer, sizeof(answer));
	if (n < 0 || write_full(fd, answer, (size_t)n))
		goto fail;
	tv.tv_sec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
fail:
	close(fd);
	return -1;
}

/* Relays both ways until each side sent FIN and it was forwarded, or a side failed. */
static void relay(int a, int b)
{
	static char up_data[RELAY_BUF], down_data[RELAY_BUF];
	struct pipe_buf up = {.data = up_data}, down = {.data = down_data};
	fcntl(a, F_SETFL, fcntl(a, F_GETFL) | O_NONBLOCK);
	fcntl(b, F_SETFL, fcntl(b, F_GETFL) | O_NONBLOCK);
	while (!(up.shut && down.shut)) {
		if (pipe_fill(a, &up) || pipe_drain(b, &up) || pipe_fill(b, &down) ||
		    pipe_drain(a, &down))
			return;
		if (up.shut && down.shut)
			return;
		struct pollfd p[2] = {{.fd = a}, {.fd = b}};
		if (!up.eof && up.off + up.len < RELAY_BUF)
			p[0].events |= POLLIN;
		if (down.len)
			p[0].events |= POLLOUT;
		if (!down.eof && down.off + down.len < RELAY_BUF)
			p[1].events |= POLLIN;
		if (up.len)
			p[1].events |= POLLOUT;
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return;
		if ((p[0].revents | p[1].revents) & POLLNVAL)
			return;
	}
}

static void serve(int conn, const struct target *t, const uint8_t *secret, const char *kind)
{
	int host = dial_host(t, secret, kind);
	if (host >= 0) {
		relay(conn, host);
		close(host);
	}
	close(conn);
}

/* One authenticated "probe" stream: the listener answers "ok\n" and closes. 0, or -1. */
static int probe_host(const struct target *t, const uint8_t *secret)
{
	char ok[3];
	int fd = dial_host(t, secret, "probe");
	if (fd < 0) {
		fprintf(stderr, "leash-bridge: Cannot reach leash's relay listener %s from the engine\n",
			t->text);
		return -1;
	}
	struct timeval tv = {.tv_sec = HANDSHAKE_TIMEOUT_S};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int bad = read_full(fd, ok, sizeof(ok)) || memcmp(ok, "ok\n", 3) != 0;
	close(fd);
	if (bad)
		fprintf(stderr, "leash-bridge: leash's relay listener %s did not accept the bridge's "
				"probe (another session's listener, or not leash's)\n",
			t->text);
	return bad ? -1 : 0;
}

int bridge_main(int argc, char **argv)
{
	const char *dir = NULL, *secret_path = NULL, *connect_to = NULL;
	uint8_t secret[BRIDGE_SECRET_LEN];
	struct target t;
	int fds[KINDS] = {-1, -1, -1}, rc = 1;
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--dir") == 0)
			dir = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--secret") == 0)
			secret_path = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--connect") == 0)
			connect_to = argv[++i];
		else {
			usage();
			return 2;
		}
	}
	if (!dir || !secret_path || !connect_to) {
		usage();
		return 2;
	}
	if (parse_target(connect_to, &t)) {
		fprintf(stderr, "leash-bridge: Cannot use --connect \"%s\": give ADDR:PORT with an IP "
				"address ([v6]:PORT for IPv6)\n",
			connect_to);
		return 2;
	}
	if (read_secret(secret_path, secret))
		return 1;
	umask(077); /* the sockets: the manager (root) only */
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
	signal(SIGPIPE, SIG_IGN);
	for (int k = 0; k < KINDS; k++)
		if ((fds[k] = listen_unix(dir, KIND_NAMES[k])) < 0)
			goto cleanup;
	/* Before the manager may connect: prove the listener is reachable from here and takes
	 * the secret, so a wrong address is reported now, naming it, not as a bootstrap timeout. */
	if (probe_host(&t, secret)) {
		rc = 3;
		goto cleanup;
	}
	if (write_ready(dir))
		goto cleanup;
	fprintf(stderr, "leash-bridge: ready in \"%s\", forwarding to %s\n", dir, connect_to);
	while (!stop_requested) {
		struct pollfd p[KINDS];
		for (int k = 0; k < KINDS; k++)
			p[k] = (struct pollfd){.fd = fds[k], .events = POLLIN};
		if (poll(p, KINDS, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int k = 0; k < KINDS; k++) {
			if (!(p[k].revents & POLLIN))
				continue;
			int conn = accept4(fds[k], NULL, NULL, SOCK_CLOEXEC);
			if (conn < 0)
				continue;
			pid_t pid = fork();
			if (pid == 0) {
				for (int j = 0; j < KINDS; j++)
					close(fds[j]);
				serve(conn, &t, secret, KIND_NAMES[k]);
				_exit(0);
			}
			if (pid < 0)
				fprintf(stderr, "leash-bridge: Cannot serve a %s stream: fork: %s\n",
					KIND_NAMES[k], strerror(errno));
			close(conn);
		}
	}
	rc = 0;
cleanup:
	for (int k = 0; k < KINDS; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	memset(secret, 0, sizeof(secret));
	return rc;
}
