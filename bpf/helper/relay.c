/* Relay listeners and relayed TCP connections. Each connection copies both ways through two
 * fixed buffers: a side is read only while its buffer has room (backpressure), and a side's
 * EOF is forwarded with shutdown(SHUT_WR) once its buffer drained (half-close). The
 * connection ends when both directions are done, or at the first error. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "relay_internal.h"
#include "relay_pipe.h"
#include "sock_owner.h"

#define ACCEPT_PAUSE_S 0.5
/* How long a connection over the limit waits in the backlog for a slot before it is refused. */
#define LIMIT_WAIT_S 0.5

struct relay_end {
	struct relay_handler h;
	struct relay_conn *conn;
	int fd;
	uint32_t events;
	bool registered;
};

struct relay_conn {
	struct relay *relay;
	bool closed;
	struct relay_conn *prev, *next;
	struct relay_end client, host;
	struct pipe_buf up;   /* client -> host (starts with the header line) */
	struct pipe_buf down; /* host -> client */
};

double relay_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void relay_get_stats(const struct relay *r, struct relay_stats *out)
{
	*out = r->stats;
}

void relay_report(struct relay *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->opts.report)
		r->opts.report(r->opts.report_ctx, msg);
}

int relay_connect_unix(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A unix stream connect completes at once or fails (EAGAIN: the host's backlog is full). */
	if (sock_owner_connect(fd, path)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

void relay_watch(int epfd, int fd, struct relay_handler *h, uint32_t events, uint32_t *current,
		 bool *registered)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };
	if (events == 0) {
		/* deregister, so EPOLLHUP on a side we wait nothing from cannot spin the loop */
		if (*registered)
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
		*registered = false;
	} else if (!*registered) {
		epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
		*registered = true;
	} else if (events != *current) {
		epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
	}
	*current = events;
}

/* Closes both sides now; the memory is freed by relay_tick, after the event batch. */
static void conn_close(struct relay_conn *c)
{
	struct relay *r = c->relay;
	if (c->closed)
		return;
	c->closed = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	r->n_conns--;
	/* close() removes the fds from the epoll set */
	close(c->client.fd);
	close(c->host.fd);
	free(c->up.data);
	free(c->down.data);
	c->up.data = c->down.data = NULL;
	c->next = r->closed;
	r->closed = c;
}

static void reap(struct relay *r)
{
	while (r->closed) {
		struct relay_conn *c = r->closed;
		r->closed = c->next;
		free(c);
	}
	relay_dns_reap(r);
}


static void conn_pump(struct relay_conn *c)
{
	int epfd = c->relay->opts.epfd;
	/* a read error (reset) ends the connection; a write error only ends that direction,
	 * so an answer already read from the other side is still delivered */
	if (pipe_fill(c->client.fd, &c->up) || pipe_fill(c->host.fd, &c->down)) {
		conn_close(c);
		return;
	}
	if (pipe_drain(c->host.fd, &c->up))
		pipe_abandon(&c->up);
	if (pipe_drain(c->client.fd, &c->down))
		pipe_abandon(&c->down);
	if (pipe_fill(c->client.fd, &c->up) || pipe_fill(c->host.fd, &c->down)) {
		conn_close(c);
		return;
	}
	if (c->up.shut && c->down.shut) {
		conn_close(c);
		return;
	}
	uint32_t ce = 0, he = 0;
	if (!c->up.eof && c->up.off + c->up.len < RELAY_BUF)
		ce |= EPOLLIN;
	if (c->down.len || (c->down.eof && !c->down.shut))
		ce |= EPOLLOUT;
	if (!c->down.eof && c->down.off + c->down.len < RELAY_BUF)
		he |= EPOLLIN;
	if (c->up.len || (c->up.eof && !c->up.shut))
		he |= EPOLLOUT;
	relay_watch(epfd, c->client.fd, &c->client.h, ce, &c->client.events, &c->client.registered);
	relay_watch(epfd, c->host.fd, &c->host.h, he, &c->host.events, &c->host.registered);
}

static void on_end_event(struct relay_handler *h, uint32_t events)
{
	struct relay_end *end = (struct relay_end *)h;
	if (end->conn->closed)
		return;
	if (events & EPOLLERR) {
		conn_close(end->conn);
		return;
	}
	conn_pump(end->conn);
}

/* The original destination of a transparent connection, by the client's port; the cgroup
 * programs key it by the client socket's family, which for a v4-mapped IPv6 socket differs
 * from the family the relay sees, so both are tried. */
static int original_dst(struct relay *r, const struct sockaddr_storage *peer, char *dst, size_t cap)
{
	struct leash_orig_dst o;
	__u16 port, fam = peer->ss_family;
	if (fam == AF_INET)
		port = ntohs(((const struct sockaddr_in *)peer)->sin_port);
	else
		port = ntohs(((const struct sockaddr_in6 *)peer)->sin6_port);
	__u16 other = fam == AF_INET ? AF_INET6 : AF_INET;
	if (kern_orig_dst(r->opts.kern, fam, port, &o) == 0) {
		kern_orig_forget(r->opts.kern, fam, port);
	} else if (kern_orig_dst(r->opts.kern, other, port, &o) == 0) {
		kern_orig_forget(r->opts.kern, other, port);
	} else {
		return -1;
	}
	struct sockaddr_storage ss = { .ss_family = o.family };
	if (o.family == AF_INET) {
		struct sockaddr_in *in = (void *)&ss;
		memcpy(&in->sin_addr, o.addr, 4);
		in->sin_port = htons(o.port);
	} else {
		struct sockaddr_in6 *in6 = (void *)&ss;
		memcpy(&in6->sin6_addr, o.addr, 16);
		in6->sin6_port = htons(o.port);
	}
	return relay_format_addr(dst, cap, (struct sockaddr *)&ss);
}

static void accept_one(struct relay_listener *l, int fd, const struct sockaddr_storage *peer)
{
	struct relay *r = l->relay;
	char src[64], dst[64], header[RELAY_HEADER_MAX];
	const char *kind = l->kind == RELAY_KIND_EXPLICIT ? "explicit" : "transparent";
	struct relay_conn *c = NULL;
	int host = -1;

	if (relay_format_addr(src, sizeof(src), (const struct sockaddr *)peer))
		goto fail;
	if (l->kind == RELAY_KIND_TRANSPARENT && original_dst(r, peer, dst, sizeof(dst))) {
		relay_report(r, "Cannot relay connection from \"%s\": its original destination is unknown", src);
		goto fail;
	}
	if (r->n_conns >= r->max_conns) {
		r->stats.over_limit++;
		relay_report(r, "Cannot relay connection from \"%s\": %zu connections open already", src,
			     r->n_conns);
		goto fail;
	}
	int n = relay_format_header(header, sizeof(header), kind,
				    l->kind == RELAY_KIND_TRANSPARENT ? dst : NULL, src, l->port);
	if (n < 0)
		goto fail;
	host = relay_connect_unix(r->opts.proxy_path);
	if (host < 0) {
		relay_report(r, "Cannot relay connection from \"%s\": connecting to \"%s\": %s", src,
			     r->opts.proxy_path, strerror(errno));
		goto fail;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->up.data = malloc(RELAY_BUF)) || !(c->down.data = malloc(RELAY_BUF))) {
		relay_report(r, "Cannot relay connection from \"%s\": out of memory", src);
		goto fail;
	}
	memcpy(c->up.data, header, (size_t)n);
	c->up.len = (size_t)n;
	c->relay = r;
	c->client = (struct relay_end){ .h.on_event = on_end_event, .conn = c, .fd = fd };
	c->host = (struct relay_end){ .h.on_event = on_end_event, .conn = c, .fd = host };
	c->next = r->conns;
	if (r->conns)
		r->conns->prev = c;
	r->conns = c;
	r->n_conns++;
	conn_pump(c);
	return;
fail:
	r->stats.refused++;
	if (c) {
		free(c->up.data);
		free(c->down.data);
		free(c);
	}
	if (host >= 0)
		close(host);
	close(fd);
}

/* Takes every TCP listener off the loop (or back on). */
static void watch_listeners(struct relay *r, bool on)
{
	for (int i = 0; i < r->n_listeners; i++) {
		struct relay_listener *l = &r->listeners[i];
		if (l->kind == RELAY_KIND_DNS)
			continue;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->h };
		epoll_ctl(r->opts.epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, l->fd, &ev);
	}
}

/* An accept failed for want of descriptors: the pending connection stays in the backlog and
 * the level-triggered listener would report it again at once, forever. */
static void pause_accepting(struct relay_listener *l, int err)
{
	struct relay *r = l->relay;
	r->stats.accept_failed++;
	if (r->accept_paused)
		return;
	r->accept_paused = true;
	r->accept_resume_at = relay_now() + ACCEPT_PAUSE_S;
	r->conns_at_pause = r->n_conns;
	r->stats.accept_paused++;
	watch_listeners(r, false);
	relay_report(r, "Cannot accept on port %u: %s; not accepting until a connection closes or %.1f s pass",
		     l->port, strerror(err), ACCEPT_PAUSE_S);
}

/* Every slot is taken: new connections wait in the backlog rather than being refused at once,
 * since the agent's connections that just closed may still be on their way out (the host ends
 * its side of each, then the relay closes it). */
static void pause_at_limit(struct relay *r)
{
	r->accept_paused = true;
	r->paused_at_limit = true;
	r->accept_resume_at = relay_now() + LIMIT_WAIT_S;
	r->conns_at_pause = r->n_conns;
	watch_listeners(r, false);
}

static void on_listener_event(struct relay_handler *h, uint32_t events)
{
	struct relay_listener *l = (struct relay_listener *)h;
	(void)events;
	if (l->kind == RELAY_KIND_DNS) {
		relay_dns_receive(l);
		return;
	}
	for (int i = 0; i < 64; i++) {
		struct relay *r = l->relay;
		if (r->n_conns >= r->max_conns && !r->limit_refusing) {
			pause_at_limit(r);
			return;
		}
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(l->fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				pause_accepting(l, errno);
			else if (errno == EAGAIN || errno == EWOULDBLOCK)
				r->limit_refusing = false; /* what waited was refused: the next one waits */
			return;
		}
		/* Small writes (TLS handshakes, request heads) go out at once: Nagle plus the
		 * client's delayed ACK cost about 40 ms per new connection. */
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		accept_one(l, fd, &peer);
	}
}

static int open_listener(struct relay *r, int family, int type, unsigned port, int kind, char *err,
			 size_t errlen)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	socklen_t len;
	int one = 1;
	if (family == AF_INET) {
		struct sockaddr_in *in = (void *)&ss;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		in->sin_port = htons((uint16_t)port);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)&ss;
		in6->sin6_addr = in6addr_loopback;
		in6->sin6_port = htons((uint16_t)port);
		len = sizeof(*in6);
	}
	const char *where = family == AF_INET ? "127.0.0.1" : "[::1]";
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "Cannot open relay socket on %s:%u: %s", where, port, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || (type == SOCK_STREAM && listen(fd, 4096))) {
		int e = errno;
		close(fd);
		/* a namespace without IPv6 has no ::1: the relay serves IPv4 only there */
		if (family == AF_INET6 && (e == EADDRNOTAVAIL || e == EAFNOSUPPORT))
			return 0;
		snprintf(err, errlen, "Cannot listen on relay port %s:%u: %s", where, port, strerror(e));
		return -1;
	}
	struct relay_listener *l = &r->listeners[r->n_listeners++];
	*l = (struct relay_listener){ .h.on_event = on_listener_event, .relay = r, .fd = fd, .kind = kind,
				      .port = port };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->h };
	if (epoll_ctl(r->opts.epfd, EPOLL_CTL_ADD, fd, &ev)) {
		snprintf(err, errlen, "Cannot watch relay port %s:%u: %s", where, port, strerror(errno));
		return -1;
	}
	return 0;
}

int relay_start(struct relay **out, const struct relay_options *opts, char *err, size_t errlen)
{
	struct relay *r = calloc(1, sizeof(*r));
	struct rlimit rl;
	if (!r) {
		snprintf(err, errlen, "Cannot start the relay: out of memory");
		return -1;
	}
	r->opts = *opts;
	if (!r->opts.explicit_port)
		r->opts.explicit_port = LEASH_PORT_PROXY;
	if (!r->opts.transparent_port)
		r->opts.transparent_port = LEASH_PORT_TRANSPARENT;
	if (!r->opts.dns_port)
		r->opts.dns_port = LEASH_PORT_DNS;
	/* two descriptors per connection; keep headroom for queries, maps and the control socket */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	r->max_conns = rl.rlim_cur > 1024 ? (size_t)(rl.rlim_cur - 512) / 2 : 256;
	/* 64 KiB of buffers each: at most 256 MiB however many connections the agent opens */
	if (r->max_conns > 4096)
		r->max_conns = 4096;
	static const int families[] = { AF_INET, AF_INET6 };
	for (int f = 0; f < 2; f++) {
		if (open_listener(r, families[f], SOCK_STREAM, r->opts.explicit_port, RELAY_KIND_EXPLICIT, err,
				  errlen) ||
		    open_listener(r, families[f], SOCK_STREAM, r->opts.transparent_port, RELAY_KIND_TRANSPARENT,
				  err, errlen) ||
		    open_listener(r, families[f], SOCK_DGRAM, r->opts.dns_port, RELAY_KIND_DNS, err, errlen)) {
			relay_stop(r);
			return -1;
		}
	}
	*out = r;
	return 0;
}

void relay_tick(struct relay *r)
{
	if (r->accept_paused && (r->n_conns < r->conns_at_pause || relay_now() >= r->accept_resume_at)) {
		/* still full after the wait: refuse (and report) what waited, as over the limit */
		if (r->paused_at_limit && r->n_conns >= r->max_conns)
			r->limit_refusing = true;
		r->accept_paused = false;
		r->paused_at_limit = false;
		watch_listeners(r, true);
	}
	reap(r);
	relay_dns_expire(r);
	reap(r);
}

size_t relay_open_count(const struct relay *r)
{
	return r->n_conns + r->n_queries;
}

void relay_stop(struct relay *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n_listeners; i++)
		close(r->listeners[i].fd);
	while (r->conns)
		conn_close(r->conns);
	relay_dns_close_all(r);
	reap(r);
	free(r);
}
