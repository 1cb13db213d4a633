/* Shared between relay.c (listeners, TCP) and relay_dns.c (UDP DNS). */
#ifndef LEASH_RELAY_INTERNAL_H
#define LEASH_RELAY_INTERNAL_H

#include <stdbool.h>
#include "relay.h"

#define RELAY_LISTENERS 6

struct relay_listener {
	struct relay_handler h;
	struct relay *relay;
	int fd;
	int kind; /* RELAY_KIND_* */
	unsigned port;
};

enum { RELAY_KIND_EXPLICIT, RELAY_KIND_TRANSPARENT, RELAY_KIND_DNS };

struct relay_conn;
struct relay_dns_query;
struct relay_dns_pending;
struct relay_diag;

struct relay {
	struct relay_options opts;
	struct relay_listener listeners[RELAY_LISTENERS];
	int n_listeners;
	struct relay_conn *conns; /* doubly linked */
	struct relay_conn *closed; /* closed during this loop turn, freed by relay_tick */
	size_t n_conns, max_conns;
	struct relay_dns_query *queries;
	struct relay_dns_query *closed_queries;
	size_t n_queries;
	struct relay_dns_pending *pending, *pending_tail; /* datagrams waiting for a diag dump */
	size_t n_pending;
	struct relay_diag *diag;
	struct relay_stats stats;
	/* After an accept failed with EMFILE/ENFILE the TCP listeners leave the loop (a
	 * level-triggered listener would spin) until a connection closes or the time passes. */
	bool accept_paused;
	double accept_resume_at;
	size_t conns_at_pause;
	/* At the connection limit the listeners leave the loop too: a new connection waits in the
	 * backlog for a slot (one frees as soon as a connection closes) up to LIMIT_WAIT_S; then
	 * what waits is accepted and refused (limit_refusing) until the backlog is empty. */
	bool paused_at_limit;
	bool limit_refusing;
};

/* Seconds on the monotonic clock. */
double relay_now(void);

/* Sends a relay.error through the report callback. */
void relay_report(struct relay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Opens a non-blocking connection to a host unix socket; -1 with errno. */
int relay_connect_unix(const char *path);

/* Sets or clears the epoll interest of fd; *registered tracks whether it is added. */
void relay_watch(int epfd, int fd, struct relay_handler *h, uint32_t events, uint32_t *current,
		 bool *registered);

/* Reads every pending datagram of a DNS listener (relay_dns.c). */
void relay_dns_receive(struct relay_listener *l);

/* Frees the queries closed during this loop turn (relay_dns.c). */
void relay_dns_reap(struct relay *r);

/* Closes every pending query (relay_dns.c). */
void relay_dns_close_all(struct relay *r);

/* Drops queries past their deadline (relay_dns.c). */
void relay_dns_expire(struct relay *r);

/* ---- relay_dns_diag.c: UDP socket cookies by local port, dumped without blocking ---- */

/* Makes sure a dump that starts after now will run; *gen receives the number of completed
 * dumps after which the answer covers now. 0, or -1 (out of memory). */
int relay_diag_request(struct relay *r, unsigned *gen);

/* Number of dumps completed. */
unsigned relay_diag_gen(const struct relay *r);

/* The cookie of the UDP socket on local port `port` in the last dump: 0 found, -1 none,
 * -2 the kernel cannot dump UDP sockets (no udp_diag) or the dump failed. */
int relay_diag_cookie(const struct relay *r, unsigned port, __u64 *cookie);

/* Ends a dump that ran too long (as failed). */
void relay_diag_expire(struct relay *r);

/* Frees the dump state. */
void relay_diag_close(struct relay *r);

/* A dump completed: serves the datagrams that waited for it (relay_dns.c). */
void relay_dns_diag_done(struct relay *r);

#endif
