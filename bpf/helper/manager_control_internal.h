/* Shared between the files of the manager's control mode: manager_control.c (connection,
 * loop, message dispatch), manager_control_out.c (the output queue to the host and the event
 * stream) and manager_control_activate.c (activate: programs, maps, relay, lifeline). */
#ifndef LEASH_MANAGER_CONTROL_INTERNAL_H
#define LEASH_MANAGER_CONTROL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "kern.h"
#include "manager_control.h"
#include "manager_lifeline.h"
#include "relay.h"

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
	__u64 permits_refused; /* dst.permit answered ok:false (table full, bad input) */
	__u64 relay_errors;            /* relay.error reports, sent or not */
	__u64 relay_errors_coalesced;  /* of those, not sent (rate bound or full queue) */
	__u64 relay_errors_reported;   /* relay_errors_coalesced as last sent in "drops" */
	unsigned relay_errors_window_n; /* sent in the current second */
	double relay_errors_window;
	__u64 relay_refused_sent;       /* relay_stats.refused as last sent in "drops" */
	double permits_swept;
};

/* ---- manager_control_out.c ---- */

/* Writes as much of the output queue as the socket takes; keeps EPOLLOUT interest while
 * something is left. */
void ctl_flush_out(struct control *c);

/* At exit: gives the host up to 2 s to take the rest (the "stopped" answer). */
void ctl_flush_final(struct control *c);

/* Queues one answer line (never dropped). */
void ctl_send_raw(struct control *c, const char *buf, size_t len);

/* Queues a line like an event: dropped (counted in events_dropped) past the queue bound;
 * false when dropped. */
bool ctl_send_droppable(struct control *c, const char *buf, size_t len);

/* Builds one message with printf-style pieces and sends it as a line. */
void ctl_send_fmt(struct control *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sends {"type":"error","phase":PHASE,"message":MESSAGE}. */
void ctl_send_error(struct control *c, const char *phase, const char *message);

/* A JSON string literal of s, malloc'd (NULL when out of memory). */
char *ctl_json_quote(const char *s);

/* fopencookie writer behind kern_state.out: wraps each complete event line the printer
 * writes as {"type":"event","event":...} and queues it (dropped past the bound). */
ssize_t ctl_event_write(void *cookie, const char *buf, size_t size);

/* ---- manager_control_relay.c ---- */

/* The relay's report callback: sends at most RELAY_ERRORS_PER_S relay.error lines a second
 * (droppable like events); the rest are counted and reported in "drops". */
void ctl_relay_error(void *ctx, const char *message);

/* ---- manager_control_permit.c ---- */

/* Handles "dst.permit": names a DNS answer's addresses in the kernel; answers "dst.permitted". */
void ctl_dst_permit(struct control *c, const char *msg, size_t len);

/* ---- manager_control_activate.c ---- */

/* Handles "activate": loads the layers, applies the maps, starts the relay and the
 * lifeline listener, then answers "active" (or an error, with everything undone). */
void ctl_activate(struct control *c, const char *msg, size_t len);

/* Detaches everything activate set up (also when only part of it was). */
void ctl_deactivate(struct control *c);

/* Decodes a base64 map image and installs it; 0 or -1 with err. */
int ctl_apply_maps(struct control *c, const char *b64, size_t len, char *err, size_t errlen);

#endif
