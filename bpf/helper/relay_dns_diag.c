/* Which UDP socket of the target sent a datagram to the DNS relay: its cookie, by local
 * port, from a sock_diag dump of the namespace's UDP sockets. The dump runs on the relay's
 * epoll loop without blocking: a datagram waits for the first dump that starts after it
 * arrived (one dump serves every datagram that came in meanwhile, so a flood of queries
 * costs one dump at a time, not one each), and a dump that does not finish within
 * DIAG_TIMEOUT_S ends as if the kernel had no udp_diag. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "relay_internal.h"

#define DIAG_TIMEOUT_S 2.0
#define DIAG_MAX_SOCKETS 65536

struct diag_entry {
	unsigned port;
	__u64 cookie;
};

struct relay_diag {
	struct relay_handler h;
	struct relay *relay;
	int fd;
	bool running, wanted, unsupported;
	int family; /* index into families while running */
	unsigned gen; /* dumps completed */
	double started;
	struct diag_entry *table, *next_table;
	size_t n, next_n;
};

static const int families[] = { AF_INET, AF_INET6 };

static int send_request(struct relay_diag *d)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = (__u8)families[d->family], .sdiag_protocol = IPPROTO_UDP,
			 .idiag_states = ~0u },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	return sendto(d->fd, &msg, sizeof(msg), MSG_DONTWAIT, (struct sockaddr *)&kernel, sizeof(kernel)) < 0 ? -1 : 0;
}

static void finish(struct relay_diag *d, bool failed);

static void on_diag_event(struct relay_handler *h, uint32_t events)
{
	struct relay_diag *d = (struct relay_diag *)h;
	(void)events;
	for (;;) {
		long buf[8192 / sizeof(long)];
		ssize_t n = recv(d->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			finish(d, true);
			return;
		}
		for (struct nlmsghdr *m = (void *)buf; NLMSG_OK(m, (size_t)n); m = NLMSG_NEXT(m, n)) {
			if (m->nlmsg_type == NLMSG_ERROR || m->nlmsg_type == NLMSG_DONE) {
				bool error = m->nlmsg_type == NLMSG_ERROR && ((struct nlmsgerr *)NLMSG_DATA(m))->error;
				if (error && d->family == 0) {
					finish(d, true); /* no udp_diag */
					return;
				}
				if (++d->family < 2 && send_request(d) == 0)
					break; /* the next family's answer comes in a later read */
				finish(d, false);
				return;
			}
			struct inet_diag_msg *dm = NLMSG_DATA(m);
			if (d->next_n < DIAG_MAX_SOCKETS)
				d->next_table[d->next_n++] = (struct diag_entry){
					.port = ntohs(dm->id.idiag_sport),
					.cookie = ((__u64)dm->id.idiag_cookie[1] << 32) | dm->id.idiag_cookie[0],
				};
		}
	}
}

static void start(struct relay_diag *d)
{
	d->running = true;
	d->wanted = false;
	d->family = 0;
	d->next_n = 0;
	d->started = relay_now();
	if (d->fd < 0) {
		d->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &d->h };
		if (d->fd >= 0 && epoll_ctl(d->relay->opts.epfd, EPOLL_CTL_ADD, d->fd, &ev)) {
			close(d->fd);
			d->fd = -1;
		}
	}
	if (d->fd < 0 || send_request(d))
		finish(d, true);
}

/* Ends the running dump: its table becomes current, waiting datagrams are served, and a dump
 * wanted meanwhile starts. A failed dump leaves the socket closed (a fresh one next time:
 * answers of the failed dump must not be read as the next one's). */
static void finish(struct relay_diag *d, bool failed)
{
	struct diag_entry *t = d->table;
	d->table = d->next_table;
	d->n = failed ? 0 : d->next_n;
	d->next_table = t;
	d->unsupported = failed;
	d->running = false;
	d->gen++;
	if (failed && d->fd >= 0) {
		close(d->fd); /* also leaves the epoll set */
		d->fd = -1;
	}
	relay_dns_diag_done(d->relay);
	if (d->wanted && !d->running)
		start(d);
}

static struct relay_diag *diag_of(struct relay *r)
{
	if (r->diag)
		return r->diag;
	struct relay_diag *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->table = malloc(DIAG_MAX_SOCKETS * sizeof(*d->table));
	d->next_table = malloc(DIAG_MAX_SOCKETS * sizeof(*d->next_table));
	if (!d->table || !d->next_table) {
		free(d->table);
		free(d->next_table);
		free(d);
		return NULL;
	}
	d->h.on_event = on_diag_event;
	d->relay = r;
	d->fd = -1;
	r->diag = d;
	return d;
}

int relay_diag_request(struct relay *r, unsigned *gen)
{
	struct relay_diag *d = diag_of(r);
	if (!d)
		return -1;
	if (d->running) {
		d->wanted = true;
		*gen = d->gen + 2;
	} else {
		*gen = d->gen + 1;
		start(d);
	}
	return 0;
}

unsigned relay_diag_gen(const struct relay *r)
{
	return r->diag ? r->diag->gen : 0;
}

int relay_diag_cookie(const struct relay *r, unsigned port, __u64 *cookie)
{
	const struct relay_diag *d = r->diag;
	if (!d || d->unsupported)
		return -2;
	for (size_t i = 0; i < d->n; i++) {
		if (d->table[i].port == port) {
			*cookie = d->table[i].cookie;
			return 0;
		}
	}
	return -1;
}

void relay_diag_expire(struct relay *r)
{
	struct relay_diag *d = r->diag;
	if (d && d->running && relay_now() - d->started >= DIAG_TIMEOUT_S)
		finish(d, true);
}

void relay_diag_close(struct relay *r)
{
	struct relay_diag *d = r->diag;
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	free(d->table);
	free(d->next_table);
	free(d);
	r->diag = NULL;
}
