/* One direction of a relayed connection (relay_pipe.h): a fixed buffer filled from one socket
 * and drained into the other, with backpressure and half-close. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "relay_pipe.h"

/* Reads from fd into b while there is room; 0, or -1 on a hard error. */
int pipe_fill(int fd, struct pipe_buf *b)
{
	while (!b->eof && b->off + b->len < RELAY_BUF) {
		if (b->off && b->len == 0)
			b->off = 0;
		ssize_t n = read(fd, b->data + b->off + b->len, RELAY_BUF - b->off - b->len);
		if (n > 0) {
			b->len += (size_t)n;
		} else if (n == 0) {
			b->eof = true;
		} else if (errno == EINTR) {
			continue;
		} else {
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
	}
	if (b->off + b->len == RELAY_BUF && b->off > 0) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	return 0;
}

/* Writes b to fd as far as it takes it, then forwards EOF; 0, or -1 on a hard error. */
int pipe_drain(int fd, struct pipe_buf *b)
{
	while (b->len) {
		ssize_t n = send(fd, b->data + b->off, b->len, MSG_NOSIGNAL);
		if (n > 0) {
			b->off += (size_t)n;
			b->len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
		}
	}
	b->off = 0;
	if (b->eof && !b->shut) {
		shutdown(fd, SHUT_WR);
		b->shut = true;
	}
	return 0;
}

void pipe_abandon(struct pipe_buf *b)
{
	b->off = b->len = 0;
	b->eof = b->shut = true;
}
