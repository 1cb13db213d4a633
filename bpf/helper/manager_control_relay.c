/* The relay's failure reports to the host, bounded: whatever the agent does (thousands of
 * connections over the limit, a flood of refused datagrams, accepts failing with EMFILE),
 * at most RELAY_ERRORS_PER_S relay.error lines a second are queued; the others are counted
 * and the count goes out in "drops" ("relay_errors"). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include "entry_util.h"
#include "manager_control_internal.h"

#define RELAY_ERRORS_PER_S 10

void ctl_relay_error(void *ctx, const char *message)
{
	struct control *c = ctx;
	double now = entry_now();
	c->relay_errors++;
	if (now - c->relay_errors_window >= 1.0) {
		c->relay_errors_window = now;
		c->relay_errors_window_n = 0;
	}
	if (c->relay_errors_window_n >= RELAY_ERRORS_PER_S) {
		c->relay_errors_coalesced++;
		return;
	}
	char *q = ctl_json_quote(message), *line = NULL;
	int n = asprintf(&line, "{\"type\":\"relay.error\",\"message\":%s}\n", q ? q : "\"\"");
	free(q);
	if (n < 0 || !ctl_send_droppable(c, line, (size_t)n))
		c->relay_errors_coalesced++;
	else
		c->relay_errors_window_n++;
	free(line);
}
