/* "dst.permit" (docs/protocol.md): the host names the addresses of a DNS answer before the
 * answer reaches the target, so the cgroup programs let a connect to them reach the relay.
 * Always answered with "dst.permitted" carrying the request's id (never "error", which the
 * host would match to whatever request waits first). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include "manager_control_internal.h"
#include "json.h"

#define PERMIT_TTL_MAX (7ULL * 24 * 3600)

/* A top-level non-negative integer field up to 2^53 (JSON numbers are doubles); 0 or -1. */
static int get_uint(const char *msg, size_t len, const char *key, unsigned long long *out)
{
	double v;
	if (json_get_number(msg, len, key, &v) != 0 || !(v >= 0) || v > 9007199254740992.0 ||
	    v != (double)(unsigned long long)v)
		return -1;
	*out = (unsigned long long)v;
	return 0;
}

void ctl_dst_permit(struct control *c, const char *msg, size_t len)
{
	unsigned long long id = 0, ttl = 0;
	char *addrs = NULL;
	char err[512];
	if (get_uint(msg, len, "id", &id) != 0 || get_uint(msg, len, "ttl", &ttl) != 0 ||
	    ttl == 0 || ttl > PERMIT_TTL_MAX || json_get_string(msg, len, "addrs", &addrs, NULL) != 0) {
		snprintf(err, sizeof(err), "Cannot permit destinations: \"id\", \"ttl\" (1 to %llu s) and \"addrs\" are required",
			 PERMIT_TTL_MAX);
	} else if (!c->active) {
		snprintf(err, sizeof(err), "Cannot permit destinations: not active yet");
	} else {
		int n = kern_dst_permit(&c->kern, addrs, ttl, err, sizeof(err));
		if (n >= 0) {
			ctl_send_fmt(c, "{\"type\":\"dst.permitted\",\"id\":%llu,\"ok\":true,\"count\":%d}\n", id, n);
			free(addrs);
			return;
		}
		c->permits_refused++;
	}
	char *q = ctl_json_quote(err);
	ctl_send_fmt(c, "{\"type\":\"dst.permitted\",\"id\":%llu,\"ok\":false,\"message\":%s}\n", id, q ? q : "\"\"");
	free(q);
	free(addrs);
}
