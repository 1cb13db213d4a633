/* One direction of a relayed TCP connection: a fixed buffer between two sockets. A side is
 * read only while the buffer has room (backpressure), and its EOF is forwarded with
 * shutdown(SHUT_WR) once the buffer drained (half-close). */
#ifndef LEASH_RELAY_PIPE_H
#define LEASH_RELAY_PIPE_H

#include <stdbool.h>
#include <stddef.h>

#define RELAY_BUF 32768

struct pipe_buf {
	char *data;
	size_t off, len;
	bool eof;  /* the source side sent FIN */
	bool shut; /* FIN forwarded to the sink side */
};

/* Reads from fd into b while there is room; 0, or -1 on a hard error. */
int pipe_fill(int fd, struct pipe_buf *b);
/* Writes b to fd as far as it takes it, then forwards EOF; 0, or -1 on a hard error. */
int pipe_drain(int fd, struct pipe_buf *b);
/* Drops what b holds and marks both ends done (the sink failed). */
void pipe_abandon(struct pipe_buf *b);

#endif
