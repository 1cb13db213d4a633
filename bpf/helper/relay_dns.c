/* The DNS relay: each datagram on 15053 becomes one connection to the host's dns.sock
 * (header line, then the query with a 2-byte length, DNS-over-TCP framing); the answer goes
 * back to the client from the listener it came in on, where the cgroup recvmsg program
 * restores the resolver's address. The resolver the client asked for is recorded by the
 * cgroup programs under the client socket's cookie, which a sock_diag dump gives for the
 * client's port (relay_dns_diag.c, never blocking the loop: datagrams wait for the dump in
 * a bounded queue; on kernels without udp_diag: the one resolver all redirected sockets
 * asked, if they agree). A query without an answer within 5 s is dropped. */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include "relay_internal.h"

#define DNS_TIMEOUT_S 5
#define DNS_MAX_QUERIES 256
#define DNS_MAX_MSG 65535

struct relay_dns_query {
	struct relay_handler h;
	struct relay *relay;
	bool closed;
	struct relay_dns_query *prev, *next;
	int fd;
	int listener_fd;
	struct sockaddr_storage client;
	socklen_t client_len;
	double deadline;
	unsigned char *out; /* header + framed query */
	size_t out_off, out_len;
	unsigned char *in; /* framed answer */
	size_t in_len, in_cap;
	uint32_t events;
	bool registered;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Closes the query now; the memory is freed by relay_dns_reap after the event batch. */
static void query_close(struct relay_dns_query *q)
{
	struct relay *r = q->relay;
	if (q->closed)
		return;
	q->closed = true;
	if (q->prev)
		q->prev->next = q->next;
	else
		r->queries = q->next;
	if (q->next)
		q->next->prev = q->prev;
	r->n_queries--;
	close(q->fd);
	q->next = r->closed_queries;
	r->closed_queries = q;
}

void relay_dns_reap(struct relay *r)
{
	while (r->closed_queries) {
		struct relay_dns_query *q = r->closed_queries;
		r->closed_queries = q->next;
		free(q->out);
		free(q->in);
		free(q);
	}
}

/* The resolver the client on local port `port` addressed, as "ADDR:53"; -1 when unknown. */
static int dns_dst(struct relay *r, unsigned port, char *dst, size_t cap)
{
	struct leash_orig_dst o;
	__u64 cookie;
	int found = relay_diag_cookie(r, port, &cookie);
	if (found == -2) {
		/* Without udp_diag the client socket cannot be named; when every redirected
		 * socket of the target asked the same resolver, that is the one. */
		if (kern_dns_orig_unique(r->opts.kern, &o))
			return -1;
	} else if (found || kern_dns_orig(r->opts.kern, cookie, &o)) {
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

/* Sends the answer back once the whole framed message arrived; 1 when done. */
static int deliver(struct relay_dns_query *q)
{
	if (q->in_len < 2)
		return 0;
	size_t want = ((size_t)q->in[0] << 8 | q->in[1]) + 2;
	if (q->in_len < want)
		return 0;
	sendto(q->listener_fd, q->in + 2, want - 2, MSG_DONTWAIT, (struct sockaddr *)&q->client, q->client_len);
	return 1;
}

static void on_query_event(struct relay_handler *h, uint32_t events)
{
	struct relay_dns_query *q = (struct relay_dns_query *)h;
	char src[64] = "?";
	if (q->closed)
		return;
	relay_format_addr(src, sizeof(src), (struct sockaddr *)&q->client);
	if (events & EPOLLERR) {
		relay_report(q->relay, "Cannot relay DNS query from \"%s\": the host socket failed", src);
		query_close(q);
		return;
	}
	while (q->out_off < q->out_len) {
		ssize_t n = send(q->fd, q->out + q->out_off, q->out_len - q->out_off, MSG_NOSIGNAL);
		if (n > 0) {
			q->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		relay_report(q->relay, "Cannot relay DNS query from \"%s\": %s", src, strerror(errno));
		query_close(q);
		return;
	}
	for (;;) {
		if (q->in_len == q->in_cap) {
			/* the length prefix bounds the answer: never more than 2 + 65,535 bytes */
			size_t cap = q->in_len < 2 ? 2 : ((size_t)q->in[0] << 8 | q->in[1]) + 2;
			if (cap <= q->in_cap)
				break;
			unsigned char *grown = realloc(q->in, cap);
			if (!grown) {
				query_close(q);
				return;
			}
			q->in = grown;
			q->in_cap = cap;
		}
		ssize_t n = read(q->fd, q->in + q->in_len, q->in_cap - q->in_len);
		if (n > 0) {
			q->in_len += (size_t)n;
			if (deliver(q)) {
				query_close(q);
				return;
			}
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		/* EOF or error before a whole answer */
		if (q->in_len)
			relay_report(q->relay, "Cannot relay DNS answer to \"%s\": the host closed mid-answer", src);
		query_close(q);
		return;
	}
	uint32_t want = EPOLLIN | (q->out_off < q->out_len ? EPOLLOUT : 0);
	relay_watch(q->relay->opts.epfd, q->fd, &q->h, want, &q->events, &q->registered);
}

/* A datagram waiting for the sock_diag dump that names its sender's socket. */
struct relay_dns_pending {
	struct relay_dns_pending *next;
	unsigned wait_gen;
	int listener_fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	double deadline;
	size_t len;
	unsigned char msg[];
};

static unsigned peer_port(const struct sockaddr_storage *peer)
{
	return ntohs(peer->ss_family == AF_INET ? ((const struct sockaddr_in *)peer)->sin_port
						: ((const struct sockaddr_in6 *)peer)->sin6_port);
}

static void drop(struct relay *r, const char *src, const char *why)
{
	r->stats.dns_dropped++;
	r->stats.refused++;
	relay_report(r, "Cannot relay DNS query from \"%s\": %s", src, why);
}

/* Opens the host connection for a datagram whose resolver is known. */
static void start_query(struct relay *r, const struct relay_dns_pending *p, const char *dst)
{
	char src[64], header[RELAY_HEADER_MAX];
	struct relay_dns_query *q = NULL;
	if (relay_format_addr(src, sizeof(src), (const struct sockaddr *)&p->peer))
		return;
	int n = relay_format_header(header, sizeof(header), "dns", dst, src, 0);
	if (n < 0)
		return;
	q = calloc(1, sizeof(*q));
	if (!q || !(q->out = malloc((size_t)n + 2 + p->len)))
		goto fail;
	q->fd = relay_connect_unix(r->opts.dns_path);
	if (q->fd < 0) {
		r->stats.refused++;
		relay_report(r, "Cannot relay DNS query from \"%s\": connecting to \"%s\": %s", src, r->opts.dns_path,
			     strerror(errno));
		goto fail;
	}
	memcpy(q->out, header, (size_t)n);
	q->out[n] = (unsigned char)(p->len >> 8);
	q->out[n + 1] = (unsigned char)p->len;
	memcpy(q->out + n + 2, p->msg, p->len);
	q->out_len = (size_t)n + 2 + p->len;
	q->h.on_event = on_query_event;
	q->relay = r;
	q->listener_fd = p->listener_fd;
	memcpy(&q->client, &p->peer, p->peer_len);
	q->client_len = p->peer_len;
	q->deadline = p->deadline;
	q->next = r->queries;
	if (r->queries)
		r->queries->prev = q;
	r->queries = q;
	r->n_queries++;
	on_query_event(&q->h, 0);
	return;
fail:
	if (q) {
		if (q->fd > 0)
			close(q->fd);
		free(q->out);
		free(q);
	}
}

/* Queues a datagram until the next sock_diag dump names its socket. */
static void receive_one(struct relay_listener *l, const unsigned char *msg, size_t len,
			const struct sockaddr_storage *peer, socklen_t peer_len)
{
	struct relay *r = l->relay;
	char src[64];
	if (relay_format_addr(src, sizeof(src), (const struct sockaddr *)peer))
		return;
	if (r->n_queries + r->n_pending >= DNS_MAX_QUERIES) {
		drop(r, src, "256 queries pending already");
		return;
	}
	struct relay_dns_pending *p = malloc(sizeof(*p) + len);
	if (!p) {
		drop(r, src, "out of memory");
		return;
	}
	*p = (struct relay_dns_pending){ .listener_fd = l->fd, .peer_len = peer_len, .len = len,
					 .deadline = now_s() + DNS_TIMEOUT_S };
	memcpy(&p->peer, peer, peer_len);
	memcpy(p->msg, msg, len);
	if (relay_diag_request(r, &p->wait_gen)) {
		free(p);
		drop(r, src, "out of memory");
		return;
	}
	if (relay_diag_gen(r) >= p->wait_gen) {
		/* the dump could not even start: served now, from the fallback */
		char dst[64];
		if (dns_dst(r, peer_port(peer), dst, sizeof(dst)))
			drop(r, src, "its original resolver is unknown");
		else
			start_query(r, p, dst);
		free(p);
		return;
	}
	if (r->pending_tail)
		r->pending_tail->next = p;
	else
		r->pending = p;
	r->pending_tail = p;
	r->n_pending++;
}

void relay_dns_diag_done(struct relay *r)
{
	unsigned gen = relay_diag_gen(r);
	/* FIFO: waits are non-decreasing, so the served ones are a prefix */
	while (r->pending && r->pending->wait_gen <= gen) {
		struct relay_dns_pending *p = r->pending;
		r->pending = p->next;
		if (!r->pending)
			r->pending_tail = NULL;
		r->n_pending--;
		char src[64] = "?", dst[64];
		relay_format_addr(src, sizeof(src), (struct sockaddr *)&p->peer);
		if (dns_dst(r, peer_port(&p->peer), dst, sizeof(dst)))
			drop(r, src, "its original resolver is unknown");
		else
			start_query(r, p, dst);
		free(p);
	}
}

void relay_dns_receive(struct relay_listener *l)
{
	static unsigned char msg[DNS_MAX_MSG];
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		ssize_t n = recvfrom(l->fd, msg, sizeof(msg), MSG_DONTWAIT, (struct sockaddr *)&peer, &len);
		if (n < 0)
			return;
		receive_one(l, msg, (size_t)n, &peer, len);
	}
}

void relay_dns_expire(struct relay *r)
{
	double now = now_s();
	relay_diag_expire(r);
	struct relay_dns_query *q = r->queries;
	while (q) {
		struct relay_dns_query *next = q->next;
		if (now >= q->deadline)
			query_close(q);
		q = next;
	}
}

void relay_dns_close_all(struct relay *r)
{
	while (r->queries)
		query_close(r->queries);
	while (r->pending) {
		struct relay_dns_pending *p = r->pending;
		r->pending = p->next;
		free(p);
	}
	r->pending_tail = NULL;
	r->n_pending = 0;
	relay_diag_close(r);
}
