/* The manager's end of the lifeline (lifeline.h): listen on the abstract name, accept one
 * connection, acknowledge it, and hold it until the manager exits. */
#ifndef LEASH_MANAGER_LIFELINE_H
#define LEASH_MANAGER_LIFELINE_H

#include <stdbool.h>
#include "relay.h"

/* State of one lifeline; zero it and set listen_fd = conn_fd = -1 before use. */
struct manager_lifeline {
	struct relay_handler h;
	int epfd;
	int listen_fd; /* open until the first connection, then -1 */
	int conn_fd;   /* the held connection, -1 before it and after the target closed it */
	/* Called with "held" when the connection is accepted and acknowledged, "closed" when
	 * the target's end closed. */
	void (*report)(void *ctx, const char *state);
	void *report_ctx;
};

/* Binds and listens on the abstract name (backlog 1) and registers on epfd; 0, or -1 with
 * err (an invalid name, or the name taken: something else in the namespace bound it). */
int manager_lifeline_listen(struct manager_lifeline *l, int epfd, const char *name, char *err,
			    size_t errlen);

/* Closes the listener and the connection (the target's end sees EOF). */
void manager_lifeline_close(struct manager_lifeline *l);

#endif
