/* leash-entry's end of the lifeline: one connect, no retry (the manager listens before the
 * host writes enforcement.active, so a refused connect means there is no manager to hold
 * the command), then the manager's acknowledgement, which proves it accepted this very
 * connection rather than one queued behind another. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "entry_lifeline.h"
#include "entry_util.h"
#include "lifeline.h"

int entry_lifeline_connect(const char *name)
{
	struct sockaddr_un un;
	if (!lifeline_name_valid(name)) {
		entry_log("Cannot hold the lifeline: \"lifeline\" in \"%s\" is not 1 to %d characters "
			  "of [A-Za-z0-9._-]: version mismatch: upgrade both halves",
			  ENTRY_ACTIVE, LIFELINE_NAME_MAX);
		return -1;
	}
	socklen_t len = lifeline_addr(name, &un);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		entry_log("Cannot hold the lifeline: socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&un, len) != 0) {
		entry_log("Cannot hold the lifeline: connecting to the manager's \"@%s\": %s: no "
			  "manager holds this session (it exited, or shares no network namespace "
			  "with the target); refusing to start the command",
			  name, strerror(errno));
		close(fd);
		return -1;
	}
	char ack[sizeof(LIFELINE_ACK)];
	size_t got = 0, want = strlen(LIFELINE_ACK);
	double deadline = entry_now() + ENTRY_LIFELINE_ACK_S;
	while (got < want) {
		double left = deadline - entry_now();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = left > 0 ? poll(&p, 1, (int)(left * 1000) + 1) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			entry_log("Cannot hold the lifeline: the manager did not acknowledge the "
				  "connection to \"@%s\" within %g s; refusing to start the command",
				  name, ENTRY_LIFELINE_ACK_S);
			break;
		}
		ssize_t r = n > 0 ? recv(fd, ack + got, want - got, 0) : -1;
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		entry_log("Cannot hold the lifeline: the manager closed the connection to "
			  "\"@%s\" before acknowledging it (another connection took the "
			  "lifeline?); refusing to start the command",
			  name);
		break;
	}
	if (got < want) {
		close(fd);
		return -1;
	}
	if (memcmp(ack, LIFELINE_ACK, want) != 0) {
		entry_log("Cannot hold the lifeline: \"@%s\" did not answer as a leash manager: "
			  "version mismatch: upgrade both halves",
			  name);
		close(fd);
		return -1;
	}
	return fd;
}

int entry_lifeline_ended(int fd)
{
	char buf[64];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			continue; /* the manager never writes after the ack; discard */
		if (n < 0 && errno == EINTR)
			continue;
		return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
	}
}
