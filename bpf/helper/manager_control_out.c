/* The manager's output to the host: whole lines in a queue flushed without blocking (a slow
 * host never stalls the relay; events past a bound are dropped and counted), and the stdio
 * stream behind the kernel event printer that wraps each line it writes as
 * {"type":"event","event":...}. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "manager_control_internal.h"

#define OUT_EVENT_LIMIT (8u << 20) /* queued bytes past which events are dropped (counted) */

void ctl_flush_out(struct control *c)
{
	while (c->out_len && !c->dead) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			c->out_len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			break;
		} else {
			c->dead = true;
		}
	}
	if (c->out_len == 0)
		c->out_off = 0;
	if (c->epfd >= 0 && !c->dead) {
		uint32_t want = EPOLLIN | (c->out_len ? EPOLLOUT : 0);
		if (want != c->fd_events) {
			struct epoll_event ev = { .events = want, .data.ptr = &c->h };
			epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->fd, &ev);
			c->fd_events = want;
		}
	}
}

/* Queues one message for the host. The loop never blocks on a slow host: past
 * OUT_EVENT_LIMIT queued bytes, events are dropped and counted (reported in "drops");
 * answers are always queued. */
static bool queue_out(struct control *c, const char *buf, size_t len, bool is_event)
{
	if (c->dead)
		return false;
	if (is_event && c->out_len >= OUT_EVENT_LIMIT) {
		c->events_dropped++;
		return false;
	}
	if (c->out_off + c->out_len + len > c->out_cap) {
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, c->out_len);
			c->out_off = 0;
		}
		if (c->out_len + len > c->out_cap) {
			size_t cap = c->out_cap ? c->out_cap : 65536;
			while (cap < c->out_len + len)
				cap *= 2;
			char *grown = realloc(c->out, cap);
			if (!grown) {
				c->dead = true;
				return false;
			}
			c->out = grown;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_off + c->out_len, buf, len);
	c->out_len += len;
	ctl_flush_out(c);
	return true;
}

bool ctl_send_droppable(struct control *c, const char *buf, size_t len)
{
	return queue_out(c, buf, len, true);
}

void ctl_send_raw(struct control *c, const char *buf, size_t len)
{
	queue_out(c, buf, len, false);
}

void ctl_flush_final(struct control *c)
{
	for (int i = 0; i < 20 && c->out_len && !c->dead; i++) {
		struct pollfd p = { .fd = c->fd, .events = POLLOUT };
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		ctl_flush_out(c);
	}
}

void ctl_send_fmt(struct control *c, const char *fmt, ...)
{
	char *buf = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&buf, fmt, ap);
	va_end(ap);
	if (n >= 0)
		ctl_send_raw(c, buf, (size_t)n);
	free(buf);
}

char *ctl_json_quote(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	kern_json_str(f, s, strlen(s));
	fclose(f);
	return buf;
}

void ctl_send_error(struct control *c, const char *phase, const char *message)
{
	char *q = ctl_json_quote(message);
	ctl_send_fmt(c, "{\"type\":\"error\",\"phase\":\"%s\",\"message\":%s}\n", phase, q ? q : "\"\"");
	free(q);
}

ssize_t ctl_event_write(void *cookie, const char *buf, size_t size)
{
	struct control *c = cookie;
	for (size_t i = 0; i < size; i++) {
		if (c->ev_used == c->ev_cap) {
			size_t cap = c->ev_cap ? c->ev_cap * 2 : 4096;
			char *grown = realloc(c->ev_line, cap);
			if (!grown)
				return -1;
			c->ev_line = grown;
			c->ev_cap = cap;
		}
		c->ev_line[c->ev_used++] = buf[i];
		if (buf[i] != '\n')
			continue;
		static const char pre[] = "{\"type\":\"event\",\"event\":";
		char *msg = malloc(sizeof(pre) + c->ev_used + 1);
		if (!msg)
			return -1;
		memcpy(msg, pre, sizeof(pre) - 1);
		memcpy(msg + sizeof(pre) - 1, c->ev_line, c->ev_used - 1);
		memcpy(msg + sizeof(pre) - 1 + c->ev_used - 1, "}\n", 2);
		queue_out(c, msg, sizeof(pre) - 1 + c->ev_used + 1, true);
		free(msg);
		c->ev_used = 0;
	}
	return (ssize_t)size;
}
