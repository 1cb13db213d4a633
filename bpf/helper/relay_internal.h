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
};

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

#endif
