/* The manager's end of the lifeline: one accept, then the listener is gone, so nothing the
 * agent starts later can take or exhaust it; the connection lives as long as this process. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "lifeline.h"
#include "manager_lifeline.h"

static void report(struct manager_lifeline *l, const char *state)
{
	if (l->report)
		l->report(l->report_ctx, state);
}

static void on_event(struct relay_handler *h, uint32_t events)
{
	struct manager_lifeline *l = (struct manager_lifeline *)h;
	(void)events;
	if (l->listen_fd >= 0) {
		int fd = accept4(l->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN or a connection that went away: keep listening */
		/* Exactly one connection: a second one queued behind it is reset by the close. */
		close(l->listen_fd);
		l->listen_fd = -1;
		/* A fresh socket's buffer takes the few bytes at once. */
		if (send(fd, LIFELINE_ACK, strlen(LIFELINE_ACK), MSG_NOSIGNAL) !=
		    (ssize_t)strlen(LIFELINE_ACK)) {
			fprintf(stderr, "leash-helper manager: Cannot acknowledge the lifeline: %s\n",
				strerror(errno));
			close(fd);
			return;
		}
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = &l->h };
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			return;
		}
		l->conn_fd = fd;
		report(l, "held");
		return;
	}
	if (l->conn_fd < 0)
		return;
	char buf[256];
	ssize_t n;
	while ((n = recv(l->conn_fd, buf, sizeof(buf), 0)) > 0) {
		/* leash-entry never writes; anything read is discarded */
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		close(l->conn_fd);
		l->conn_fd = -1;
		report(l, "closed");
	}
}

int manager_lifeline_listen(struct manager_lifeline *l, int epfd, const char *name, char *err,
			    size_t errlen)
{
	struct sockaddr_un un;
	if (!lifeline_name_valid(name)) {
		snprintf(err, errlen,
			 "Cannot listen on the lifeline: its name must be 1 to %d characters of "
			 "[A-Za-z0-9._-]",
			 LIFELINE_NAME_MAX);
		return -1;
	}
	socklen_t len = lifeline_addr(name, &un);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&un, len) || listen(fd, 1)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "Cannot listen on the lifeline \"@%s\": %s%s", name, strerror(e),
			 e == EADDRINUSE ? " (something in the target's network namespace took the name)"
					 : "");
		return -1;
	}
	l->h.on_event = on_event;
	l->epfd = epfd;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->h };
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int e = errno;
		close(fd);
		snprintf(err, errlen, "Cannot watch the lifeline: %s", strerror(e));
		return -1;
	}
	l->listen_fd = fd;
	return 0;
}

void manager_lifeline_close(struct manager_lifeline *l)
{
	/* close() also removes the fds from the epoll set */
	if (l->listen_fd >= 0)
		close(l->listen_fd);
	if (l->conn_fd >= 0)
		close(l->conn_fd);
	l->listen_fd = l->conn_fd = -1;
}
