/* Control mode: one epoll loop over the control socket, the event ring buffer and the
 * relay. Messages to the host are whole lines in an output queue flushed without blocking
 * (a slow host never stalls the relay; events past a bound are dropped and counted); kernel
 * events reach the host through a stdio stream that wraps each line the event printer
 * writes as {"type":"event","event":...}. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include "kern.h"
#include "manager_control.h"
#include "manager_json.h"
#include "manager_lifeline.h"
#include "relay.h"

#define PROTOCOL 1
#define LINE_MAX_BYTES (64u << 20) /* a map image of 1e6 rules fits */
#define CONNECT_TRIES 50          /* 100 ms apart: about 5 s */
#define OUT_EVENT_LIMIT (8u << 20) /* queued bytes past which events are dropped (counted) */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct control {
	struct relay_handler h;
	const struct manager_control_options *opts;
	int fd, epfd;
	bool dead;   /* control socket closed or broken: fail closed */
	bool stopped; /* stop received: exit 0 */
	char *line;
	size_t used, cap;
	struct kern_state kern;
	bool active;
	struct relay *relay;
	struct manager_lifeline lifeline;
	struct relay_handler ring_h;
	char *ev_line; /* partial event line from the printer */
	size_t ev_used, ev_cap;
	__u64 drops_sent;
	char *out; /* queued output to the host */
	size_t out_off, out_len, out_cap;
	uint32_t fd_events;
	__u64 events_dropped;  /* events not sent because the host did not read */
	__u64 events_reported;
	double drops_checked;
};

static int libbpf_to_stderr(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* Writes as much of the output queue as the socket takes; keeps EPOLLOUT interest while
 * something is left. */
static void flush_out(struct control *c)
{
	while (c->out_len && !c->dead) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			c->out_len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			break;
		} else {
			c->dead = true;
		}
	}
	if (c->out_len == 0)
		c->out_off = 0;
	if (c->epfd >= 0 && !c->dead) {
		uint32_t want = EPOLLIN | (c->out_len ? EPOLLOUT : 0);
		if (want != c->fd_events) {
			struct epoll_event ev = { .events = want, .data.ptr = &c->h };
			epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->fd, &ev);
			c->fd_events = want;
		}
	}
}

/* Queues one message for the host. The loop never blocks on a slow host: past
 * OUT_EVENT_LIMIT queued bytes, events are dropped and counted (reported in "drops");
 * answers are always queued. */
static void queue_out(struct control *c, const char *buf, size_t len, bool is_event)
{
	if (c->dead)
		return;
	if (is_event && c->out_len >= OUT_EVENT_LIMIT) {
		c->events_dropped++;
		return;
	}
	if (c->out_off + c->out_len + len > c->out_cap) {
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, c->out_len);
			c->out_off = 0;
		}
		if (c->out_len + len > c->out_cap) {
			size_t cap = c->out_cap ? c->out_cap : 65536;
			while (cap < c->out_len + len)
				cap *= 2;
			char *grown = realloc(c->out, cap);
			if (!grown) {
				c->dead = true;
				return;
			}
			c->out = grown;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_off + c->out_len, buf, len);
	c->out_len += len;
	flush_out(c);
}

static void send_raw(struct control *c, const char *buf, size_t len)
{
	queue_out(c, buf, len, false);
}

/* At exit: gives the host up to 2 s to take the rest (the "stopped" answer). */
static void flush_final(struct control *c)
{
	for (int i = 0; i < 20 && c->out_len && !c->dead; i++) {
		struct pollfd p = { .fd = c->fd, .events = POLLOUT };
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		flush_out(c);
	}
}

/* Builds one message with printf-style pieces and sends it as a line. */
static void send_fmt(struct control *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void send_fmt(struct control *c, const char *fmt, ...)
{
	char *buf = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&buf, fmt, ap);
	va_end(ap);
	if (n >= 0)
		send_raw(c, buf, (size_t)n);
	free(buf);
}

/* A JSON string literal of s, malloc'd. */
static char *json_quote(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	kern_json_str(f, s, strlen(s));
	fclose(f);
	return buf;
}

static void send_error(struct control *c, const char *phase, const char *message)
{
	char *q = json_quote(message);
	send_fmt(c, "{\"type\":\"error\",\"phase\":\"%s\",\"message\":%s}\n", phase, q ? q : "\"\"");
	free(q);
}

static void on_relay_error(void *ctx, const char *message)
{
	struct control *c = ctx;
	char *q = json_quote(message);
	send_fmt(c, "{\"type\":\"relay.error\",\"message\":%s}\n", q ? q : "\"\"");
	free(q);
}

/* fopencookie writer behind kern_state.out: wraps each complete event line. */
static ssize_t event_write(void *cookie, const char *buf, size_t size)
{
	struct control *c = cookie;
	for (size_t i = 0; i < size; i++) {
		if (c->ev_used == c->ev_cap) {
			size_t cap = c->ev_cap ? c->ev_cap * 2 : 4096;
			char *grown = realloc(c->ev_line, cap);
			if (!grown)
				return -1;
			c->ev_line = grown;
			c->ev_cap = cap;
		}
		c->ev_line[c->ev_used++] = buf[i];
		if (buf[i] != '\n')
			continue;
		static const char pre[] = "{\"type\":\"event\",\"event\":";
		char *msg = malloc(sizeof(pre) + c->ev_used + 1);
		if (!msg)
			return -1;
		memcpy(msg, pre, sizeof(pre) - 1);
		memcpy(msg + sizeof(pre) - 1, c->ev_line, c->ev_used - 1);
		memcpy(msg + sizeof(pre) - 1 + c->ev_used - 1, "}\n", 2);
		queue_out(c, msg, sizeof(pre) - 1 + c->ev_used + 1, true);
		free(msg);
		c->ev_used = 0;
	}
	return (ssize_t)size;
}

static int connect_control(const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(un.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(un.sun_path, path);
	for (int i = 0; i < CONNECT_TRIES && !stop_signal; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0)
			return fd;
		int e = errno;
		close(fd);
		if (e != ENOENT && e != ECONNREFUSED && e != EAGAIN) {
			errno = e;
			return -1;
		}
		struct timespec ts = { .tv_nsec = 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	errno = ETIMEDOUT;
	return -1;
}

static void send_hello(struct control *c)
{
	struct kern_probe p;
	struct utsname u;
	kern_probe_run(&p);
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	char *rel = json_quote(u.release), *lsm = json_quote(p.lsm), *cg = json_quote(p.cgroup),
	     *tp = json_quote(p.tracepoint);
	if (rel && lsm && cg && tp)
		send_fmt(c,
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

static const char *errno_name(int err)
{
	switch (err) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case EINVAL:
		return "EINVAL";
	case ENOENT:
		return "ENOENT";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case E2BIG:
		return "E2BIG";
	case 524:
		return "ENOTSUPP";
	default:
		return "ERROR";
	}
}

/* "ok", or the first failure of a layer's programs ("EPERM: attach: Operation not permitted"). */
static void layer_status(struct kern_state *st, const char *layer, char *out, size_t outlen)
{
	int total = 0;
	snprintf(out, outlen, "off: not loaded");
	for (int i = 0; i < st->n_results; i++) {
		struct kern_prog_result *r = &st->results[i];
		if (strcmp(r->layer, layer) != 0)
			continue;
		if (r->err) {
			snprintf(out, outlen, "%s: %s: %s (%s)", errno_name(r->err), r->step, strerror(r->err),
				 r->name);
			return;
		}
		total++;
	}
	if (total)
		snprintf(out, outlen, "ok");
}

static void on_ring_event(struct relay_handler *h, uint32_t events)
{
	struct control *c = (struct control *)((char *)h - offsetof(struct control, ring_h));
	(void)events;
	kern_poll(&c->kern, 0);
}

static void on_lifeline(void *ctx, const char *state)
{
	struct control *c = ctx;
	send_fmt(c, "{\"type\":\"lifeline\",\"state\":\"%s\"}\n", state);
}

static void deactivate(struct control *c)
{
	manager_lifeline_close(&c->lifeline);
	relay_stop(c->relay);
	c->relay = NULL;
	if (c->kern.ring) {
		epoll_ctl(c->epfd, EPOLL_CTL_DEL, kern_events_fd(&c->kern), NULL);
		kern_poll(&c->kern, 0);
	}
	kern_teardown(&c->kern);
	c->kern.cgroup_fd = -1;
	c->kern.slot = -1;
	c->kern.n_results = 0;
	c->active = false;
}

static bool has(char **list, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* Decodes a base64 map image and installs it; 0 or -1 with err. */
static int apply_maps(struct control *c, const char *b64, size_t len, char *err, size_t errlen)
{
	unsigned char *img = NULL;
	size_t img_len = 0;
	if (mjson_base64_decode(b64, len, &img, &img_len)) {
		snprintf(err, errlen, "Cannot decode map image: not base64");
		return -1;
	}
	int ret = kern_apply_image(&c->kern, img, img_len, err, errlen);
	free(img);
	return ret;
}

static void handle_activate(struct control *c, const char *msg, size_t len)
{
	char *cgroup = NULL, *mode_s = NULL, *maps = NULL, *lifeline = NULL, *layers[MJSON_MAX_STRINGS];
	size_t maps_len = 0;
	int n_layers = 0, mode = LEASH_MODE_ENFORCE;
	bool log_allow = false;
	char err[KERN_ERR_MAX + 4096], mnt[4096], path[8192];

	if (c->active) {
		send_error(c, "activate", "Cannot activate: already active");
		return;
	}
	if (mjson_get_string(msg, len, "cgroup", &cgroup, NULL) != 0 || cgroup[0] != '/' ||
	    strstr(cgroup, "/..") || strlen(cgroup) > 4000) {
		send_error(c, "activate", "Cannot activate: \"cgroup\" must be an absolute cgroup path");
		goto cleanup;
	}
	int got = mjson_get_string(msg, len, "mode", &mode_s, NULL);
	if (got < 0 || (got == 0 && (mode = kern_mode_parse(mode_s)) < 0)) {
		send_error(c, "activate", "Cannot activate: \"mode\" must be record, shadow or enforce");
		goto cleanup;
	}
	if (mjson_get_string(msg, len, "maps", &maps, &maps_len) != 0) {
		send_error(c, "activate", "Cannot activate: \"maps\" (a base64 map image) is required");
		goto cleanup;
	}
	if (mjson_get_strings(msg, len, "layers", layers, &n_layers) != 0 ||
	    mjson_get_bool(msg, len, "log_allow", &log_allow) < 0) {
		send_error(c, "activate", "Cannot activate: \"layers\" must be an array of layer names");
		goto cleanup;
	}
	got = mjson_get_string(msg, len, "lifeline", &lifeline, NULL);
	if (got < 0) {
		send_error(c, "activate", "Cannot activate: \"lifeline\" must be a string");
		goto cleanup;
	}
	if (kern_cgroup2_mount(mnt, sizeof(mnt))) {
		send_error(c, "activate", "Cannot activate: no cgroup v2 mount in the manager");
		goto cleanup;
	}
	snprintf(path, sizeof(path), "%s%s", mnt, strcmp(cgroup, "/") == 0 ? "" : cgroup);
	struct kern_opts opts = {
		.cgroup_path = path,
		.mode = (__u32)mode,
		.observe = has(layers, n_layers, "observe") ? KERN_OBSERVE_AUTO : KERN_OBSERVE_OFF,
		.lsm = has(layers, n_layers, "kernel-lsm"),
		.cgroup_net = has(layers, n_layers, "cgroup-net"),
		.log_allow = log_allow,
	};
	if (!c->kern.out)
		c->kern.out = fopencookie(c, "w", (cookie_io_functions_t){ .write = event_write });
	if (!c->kern.out) {
		send_error(c, "activate", "Cannot activate: cannot open the event stream");
		goto cleanup;
	}
	if (kern_open_cgroup(&c->kern, path, err, sizeof(err)) || kern_activate(&c->kern, &opts, err, sizeof(err)) ||
	    apply_maps(c, maps, maps_len, err, sizeof(err))) {
		send_error(c, "activate", err);
		deactivate(c);
		goto cleanup;
	}
	struct relay_options ro = { .epfd = c->epfd, .proxy_path = c->opts->proxy, .dns_path = c->opts->dns,
				    .kern = &c->kern, .report = on_relay_error, .report_ctx = c };
	if (relay_start(&c->relay, &ro, err, sizeof(err))) {
		send_error(c, "activate", err);
		deactivate(c);
		goto cleanup;
	}
	/* Listening before "active": the host writes enforcement.active (which tells
	 * leash-entry to connect) only after that answer. */
	c->lifeline.report = on_lifeline;
	c->lifeline.report_ctx = c;
	if (lifeline && manager_lifeline_listen(&c->lifeline, c->epfd, lifeline, err, sizeof(err))) {
		send_error(c, "activate", err);
		deactivate(c);
		goto cleanup;
	}
	c->ring_h.on_event = on_ring_event;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->ring_h };
	epoll_ctl(c->epfd, EPOLL_CTL_ADD, kern_events_fd(&c->kern), &ev);
	c->active = true;

	char *reply = NULL;
	size_t reply_len = 0;
	FILE *f = open_memstream(&reply, &reply_len);
	if (!f)
		goto cleanup;
	fputs("{\"type\":\"active\",\"layers\":{", f);
	for (int i = 0; i < n_layers; i++) {
		char status[512];
		if (strcmp(layers[i], "kernel-lsm") && strcmp(layers[i], "cgroup-net") && strcmp(layers[i], "observe"))
			snprintf(status, sizeof(status), "off: unknown layer");
		else
			layer_status(&c->kern, layers[i], status, sizeof(status));
		fputs(i ? "," : "", f);
		kern_json_str(f, layers[i], strlen(layers[i]));
		fputc(':', f);
		kern_json_str(f, status, strlen(status));
	}
	fprintf(f, "},\"relay\":{\"explicit\":%u,\"transparent\":%u,\"dns\":%u}}\n", LEASH_PORT_PROXY,
		LEASH_PORT_TRANSPARENT, LEASH_PORT_DNS);
	fclose(f);
	send_raw(c, reply, reply_len);
	free(reply);
cleanup:
	free(cgroup);
	free(mode_s);
	free(maps);
	free(lifeline);
	for (int i = 0; i < n_layers; i++)
		free(layers[i]);
}

static void handle_message(struct control *c, char *msg, size_t len)
{
	char *type = NULL;
	char err[KERN_ERR_MAX + 256];
	if (mjson_check_object(msg, len) || mjson_get_string(msg, len, "type", &type, NULL) != 0) {
		send_error(c, "protocol", "Cannot read control message: not a JSON object with a \"type\"");
		goto cleanup;
	}
	if (strcmp(type, "activate") == 0) {
		handle_activate(c, msg, len);
	} else if (strcmp(type, "stop") == 0) {
		deactivate(c);
		send_fmt(c, "{\"type\":\"stopped\"}\n");
		c->stopped = true;
	} else if (strcmp(type, "policy.update") == 0 || strcmp(type, "mode.set") == 0) {
		const char *phase = type;
		char *val = NULL;
		size_t val_len = 0;
		const char *key = strcmp(type, "mode.set") == 0 ? "mode" : "maps";
		if (!c->active) {
			snprintf(err, sizeof(err), "Cannot apply \"%s\": not active yet", type);
			send_error(c, phase, err);
		} else if (mjson_get_string(msg, len, key, &val, &val_len) != 0) {
			snprintf(err, sizeof(err), "Cannot apply \"%s\": \"%s\" is required", type, key);
			send_error(c, phase, err);
		} else if (strcmp(key, "maps") == 0) {
			if (apply_maps(c, val, val_len, err, sizeof(err)))
				send_error(c, phase, err);
			else
				send_fmt(c, "{\"type\":\"policy.updated\",\"generation\":%u}\n", c->kern.generation);
		} else {
			int mode = kern_mode_parse(val);
			if (mode < 0) {
				send_error(c, phase, "Cannot set mode: use record, shadow or enforce");
			} else if (kern_set_mode(&c->kern, (__u32)mode)) {
				send_error(c, phase, "Cannot set mode: updating the config map failed");
			} else {
				send_fmt(c, "{\"type\":\"mode.updated\",\"mode\":\"%s\"}\n", kern_mode_name(c->kern.mode));
			}
		}
		free(val);
	} else {
		char *q = json_quote(type);
		snprintf(err, sizeof(err), "Cannot handle message type %.200s: unknown", q ? q : "?");
		free(q);
		send_error(c, "protocol", err);
	}
cleanup:
	free(type);
}

static void on_control_event(struct relay_handler *h, uint32_t events)
{
	struct control *c = (struct control *)h;
	if (events & EPOLLOUT)
		flush_out(c);
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		if (c->cap - c->used < 65536) {
			if (c->cap >= LINE_MAX_BYTES) {
				send_error(c, "protocol", "Cannot read control message: longer than 64 MiB");
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

static double monotonic_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* At most once a second: the drop counter is a map lookup, the loop may turn much faster. */
static void report_drops(struct control *c)
{
	double now = monotonic_s();
	if (!c->active || now - c->drops_checked < 1.0)
		return;
	c->drops_checked = now;
	__u64 n = kern_drops(&c->kern);
	if (n == c->drops_sent && c->events_dropped == c->events_reported)
		return;
	c->drops_sent = n;
	c->events_reported = c->events_dropped;
	send_fmt(c, "{\"type\":\"drops\",\"kernel\":%llu,\"control\":%llu}\n", (unsigned long long)n,
		 (unsigned long long)c->events_dropped);
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
		fprintf(stderr, "leash-helper manager: Cannot connect to control socket \"%s\": %s\n", opts->control,
			strerror(errno));
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
	flush_out(&c);

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
	deactivate(&c);
	if (c.fd >= 0)
		flush_final(&c);
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
