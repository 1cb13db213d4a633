/* Control mode: one epoll loop over the control socket, the event ring buffer, the relay
 * and the lifeline. This file connects to the host, says hello, reads the control lines
 * and dispatches them, and runs the loop; manager_control_out.c holds the output queue and
 * the event stream, manager_control_activate.c what "activate" sets up. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "entry_util.h"
#include "manager_control_internal.h"
#include "json.h"
#include "sock_owner.h"

#define PROTOCOL 1
#define LINE_MAX_BYTES (64u << 20) /* a map image of 1e6 rules fits */
#define CONNECT_TRIES 10          /* 100 ms apart: about 1 s (the host listens before the manager starts) */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int libbpf_to_stderr(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int connect_control(const char *path)
{
	int last = ETIMEDOUT;
	for (int i = 0; i < CONNECT_TRIES && !stop_signal; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (sock_owner_connect(fd, path) == 0)
			return fd;
		int e = errno;
		close(fd);
		if (e != ENOENT && e != ECONNREFUSED && e != EAGAIN) {
			/* EACCES and the like do not go away by waiting: fail at once, so the host
			 * reports it within a second instead of at its bootstrap timeout */
			errno = e;
			return -1;
		}
		last = e;
		struct timespec ts = { .tv_nsec = 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	/* the last reason (no such file: this dir is not the host's), not a bare timeout */
	errno = last;
	return -1;
}

static void send_hello(struct control *c)
{
	struct kern_probe p;
	struct utsname u;
	kern_probe_run(&p);
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	char *rel = ctl_json_quote(u.release), *lsm = ctl_json_quote(p.lsm),
	     *cg = ctl_json_quote(p.cgroup), *tp = ctl_json_quote(p.tracepoint);
	if (rel && lsm && cg && tp)
		ctl_send_fmt(c,
			     "{\"type\":\"hello\",\"protocol\":%d,\"version\":\"%s\",\"kernel\":%s,"
			     "\"probe\":{\"lsm\":%s,\"cgroup\":%s,\"tracepoint\":%s,\"btf\":%s}}\n",
			     PROTOCOL, LEASH_VERSION, rel, lsm, cg, tp, p.btf ? "true" : "false");
	else
		c->dead = true;
	free(rel);
	free(lsm);
	free(cg);
	free(tp);
}

static void handle_message(struct control *c, char *msg, size_t len)
{
	char *type = NULL;
	char err[KERN_ERR_MAX + 256];
	const char *why = "no \"type\" string";
	if (json_check_object(msg, len, &why) || json_get_string(msg, len, "type", &type, NULL) != 0) {
		snprintf(err, sizeof(err), "Cannot read control message: not a JSON object with a \"type\": %s", why);
		ctl_send_error(c, "protocol", err);
		goto cleanup;
	}
	if (strcmp(type, "activate") == 0) {
		ctl_activate(c, msg, len);
	} else if (strcmp(type, "dst.permit") == 0) {
		ctl_dst_permit(c, msg, len);
	} else if (strcmp(type, "stop") == 0) {
		ctl_deactivate(c);
		ctl_send_fmt(c, "{\"type\":\"stopped\"}\n");
		c->stopped = true;
	} else if (strcmp(type, "policy.update") == 0 || strcmp(type, "mode.set") == 0) {
		const char *phase = type;
		char *val = NULL;
		size_t val_len = 0;
		const char *key = strcmp(type, "mode.set") == 0 ? "mode" : "maps";
		if (!c->active) {
			snprintf(err, sizeof(err), "Cannot apply \"%s\": not active yet", type);
			ctl_send_error(c, phase, err);
		} else if (json_get_string(msg, len, key, &val, &val_len) != 0) {
			snprintf(err, sizeof(err), "Cannot apply \"%s\": \"%s\" is required", type, key);
			ctl_send_error(c, phase, err);
		} else if (strcmp(key, "maps") == 0) {
			if (ctl_apply_maps(c, val, val_len, err, sizeof(err)))
				ctl_send_error(c, phase, err);
			else
				ctl_send_fmt(c, "{\"type\":\"policy.updated\",\"generation\":%u}\n", c->kern.generation);
		} else {
			int mode = kern_mode_parse(val);
			if (mode < 0) {
				ctl_send_error(c, phase, "Cannot set mode: use record, shadow or enforce");
			} else if (kern_set_mode(&c->kern, (__u32)mode)) {
				ctl_send_error(c, phase, "Cannot set mode: updating the config map failed");
			} else {
				ctl_send_fmt(c, "{\"type\":\"mode.updated\",\"mode\":\"%s\"}\n", kern_mode_name(c->kern.mode));
			}
		}
		free(val);
	} else {
		char *q = ctl_json_quote(type);
		snprintf(err, sizeof(err), "Cannot handle message type %.200s: unknown", q ? q : "?");
		free(q);
		ctl_send_error(c, "protocol", err);
	}
cleanup:
	free(type);
}

static void on_control_event(struct relay_handler *h, uint32_t events)
{
	struct control *c = (struct control *)h;
	if (events & EPOLLOUT)
		ctl_flush_out(c);
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		if (c->cap - c->used < 65536) {
			if (c->cap >= LINE_MAX_BYTES) {
				ctl_send_error(c, "protocol", "Cannot read control message: longer than 64 MiB");
				c->dead = true;
				return;
			}
			size_t cap = c->cap ? c->cap * 2 : 131072;
			char *grown = realloc(c->line, cap);
			if (!grown) {
				c->dead = true;
				return;
			}
			c->line = grown;
			c->cap = cap;
		}
		ssize_t n = read(c->fd, c->line + c->used, c->cap - c->used);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			c->dead = true;
			return;
		}
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			continue;
		size_t scan = c->used;
		c->used += (size_t)n;
		char *nl;
		while (!c->stopped && (nl = memchr(c->line + scan, '\n', c->used - scan))) {
			size_t len = (size_t)(nl - c->line);
			*nl = '\0';
			if (len)
				handle_message(c, c->line, len);
			memmove(c->line, nl + 1, c->used - len - 1);
			c->used -= len + 1;
			scan = 0;
		}
		if (c->stopped || c->dead)
			return;
	}
}

/* At most once a second: the drop counter is a map lookup, the loop may turn much faster. */
static void report_drops(struct control *c)
{
	double now = entry_now();
	if (!c->active || now - c->drops_checked < 1.0)
		return;
	c->drops_checked = now;
	if (now - c->permits_swept >= 60.0) {
		c->permits_swept = now;
		kern_dst_sweep(&c->kern);
	}
	__u64 n = kern_drops(&c->kern);
	struct relay_stats rs = { 0 };
	if (c->relay)
		relay_get_stats(c->relay, &rs);
	if (n == c->drops_sent && c->events_dropped == c->events_reported &&
	    c->relay_errors_coalesced == c->relay_errors_reported && rs.refused == c->relay_refused_sent)
		return;
	c->drops_sent = n;
	c->events_reported = c->events_dropped;
	c->relay_errors_reported = c->relay_errors_coalesced;
	c->relay_refused_sent = rs.refused;
	ctl_send_fmt(c,
		     "{\"type\":\"drops\",\"kernel\":%llu,\"control\":%llu,\"relay_errors\":%llu,"
		     "\"relay\":{\"refused\":%llu,\"over_limit\":%llu,\"accept_failed\":%llu,"
		     "\"accept_paused\":%llu,\"dns_dropped\":%llu}}\n",
		     (unsigned long long)n, (unsigned long long)c->events_dropped,
		     (unsigned long long)c->relay_errors_coalesced, (unsigned long long)rs.refused,
		     (unsigned long long)rs.over_limit, (unsigned long long)rs.accept_failed,
		     (unsigned long long)rs.accept_paused, (unsigned long long)rs.dns_dropped);
}

int manager_control_main(const struct manager_control_options *opts)
{
	struct control c = { .opts = opts, .fd = -1, .epfd = -1,
			     .kern = { .cgroup_fd = -1, .slot = -1 },
			     .lifeline = { .listen_fd = -1, .conn_fd = -1 } };
	struct sigaction sa = { .sa_handler = on_signal };
	int ret = 1;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	libbpf_set_print(libbpf_to_stderr);

	c.fd = connect_control(opts->control);
	if (c.fd < 0) {
		int e = errno;
		char why[256];
		sock_owner_explain(opts->control, why, sizeof(why));
		fprintf(stderr, "leash-helper manager: Cannot connect to control socket \"%s\": %s%s\n", opts->control,
			strerror(e), why);
		goto cleanup;
	}
	/* reads and writes are non-blocking: the loop never waits on the host */
	if (fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK))
		goto cleanup;
	send_hello(&c);
	c.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c.epfd < 0)
		goto cleanup;
	c.h.on_event = on_control_event;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c.h };
	if (epoll_ctl(c.epfd, EPOLL_CTL_ADD, c.fd, &ev))
		goto cleanup;
	c.fd_events = EPOLLIN;
	ctl_flush_out(&c);

	while (!c.dead && !c.stopped && !stop_signal) {
		struct epoll_event evs[64];
		int n = epoll_wait(c.epfd, evs, 64, 1000);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n && !c.dead && !c.stopped; i++) {
			struct relay_handler *h = evs[i].data.ptr;
			/* relay objects closed during this batch are freed only after it (relay_tick) */
			h->on_event(h, evs[i].events);
		}
		if (c.relay)
			relay_tick(c.relay);
		report_drops(&c);
	}
	ret = c.stopped ? 0 : 1;
	if (!c.stopped)
		fprintf(stderr, "leash-helper manager: %s: detaching everything (fail closed)\n",
			stop_signal ? "signal received" : "control socket closed");
cleanup:
	ctl_deactivate(&c);
	if (c.fd >= 0)
		ctl_flush_final(&c);
	if (c.kern.out)
		fclose(c.kern.out);
	free(c.ev_line);
	free(c.out);
	free(c.line);
	if (c.epfd >= 0)
		close(c.epfd);
	if (c.fd >= 0)
		close(c.fd);
	return ret;
}
