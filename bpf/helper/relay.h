/* The relay (docs/protocol.md): TCP listeners for the explicit proxy (3128) and the
 * transparent redirect (15001) and a UDP listener for DNS (15053), on 127.0.0.1 and ::1
 * inside the target's network namespace. Every accepted connection or datagram becomes a
 * connection to the host's proxy.sock or dns.sock, prefixed by a one-line JSON header.
 * Everything runs on the manager's epoll loop; memory per connection is bounded. */
#ifndef LEASH_RELAY_H
#define LEASH_RELAY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "kern.h"

#define RELAY_HEADER_MAX 1024

/* Anything registered on the manager's epoll: data.ptr points at one of these. */
struct relay_handler {
	void (*on_event)(struct relay_handler *self, uint32_t events);
};

/* Options for relay_start. */
struct relay_options {
	int epfd;
	const char *proxy_path; /* host's proxy.sock */
	const char *dns_path;   /* host's dns.sock */
	struct kern_state *kern; /* original destinations (kern_orig_dst, kern_dns_orig) */
	__u16 explicit_port, transparent_port, dns_port; /* 0 = the LEASH_PORT_* defaults */
	/* Reports a relayed connection that failed on the manager side (relay.error). */
	void (*report)(void *ctx, const char *message);
	void *report_ctx;
};

struct relay;

/* Binds every listener and registers it on opts->epfd; on failure nothing stays open. */
int relay_start(struct relay **out, const struct relay_options *opts, char *err, size_t errlen);

/* Frees what the last batch of events closed and expires DNS queries older than 5 s; call
 * after each batch of epoll events (a closed connection's other end may still be in it). */
void relay_tick(struct relay *r);

/* What the relay refused or could not do, since it started (reported in "drops"). */
struct relay_stats {
	__u64 refused;       /* connections and datagrams not relayed, whatever the cause */
	__u64 over_limit;    /* of those: connections closed at once, the limit was reached */
	__u64 accept_failed; /* accept() failures (EMFILE, ENFILE, ...) */
	__u64 accept_paused; /* times the TCP listeners were taken off the loop after one */
	__u64 dns_dropped;   /* datagrams dropped (too many pending, resolver unknown) */
};

/* Copies the counters. */
void relay_get_stats(const struct relay *r, struct relay_stats *out);

/* Number of open relayed TCP connections and pending DNS queries. */
size_t relay_open_count(const struct relay *r);

/* Closes every listener, connection and query; r is freed. */
void relay_stop(struct relay *r);

/* Formats "ADDR:PORT" ([v6]:port) of a socket address; 0 or -1 for other families. */
int relay_format_addr(char *buf, size_t cap, const struct sockaddr *sa);

/* Formats a header line (with "\n"): kind "explicit" | "transparent" | "dns"; dst may be
 * NULL (explicit). Returns its length, or -1 when it does not fit in cap. */
int relay_format_header(char *buf, size_t cap, const char *kind, const char *dst, const char *src,
			unsigned relay_port);

#endif
