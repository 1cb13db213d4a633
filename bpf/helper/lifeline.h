/* The lifeline (docs/protocol.md "Lifeline"): one abstract unix stream connection from
 * leash-entry (PID 1 of the target) to the manager, in the network namespace both share.
 * The manager listens before it answers "activate", accepts exactly one connection, closes
 * the listener and writes LIFELINE_ACK. leash-entry holds the connection while the command
 * runs; when it ends (the manager exited for any reason: leash was SIGKILLed and control.sock
 * closed, or the manager crashed or was killed) leash-entry kills every process of the
 * container. Neither side ever sends anything else. */
#ifndef LEASH_LIFELINE_H
#define LEASH_LIFELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Longest name: sun_path holds 108 bytes, the first is the abstract namespace's NUL. */
#define LIFELINE_NAME_MAX 100
/* What the manager writes once it holds the connection. */
#define LIFELINE_ACK "leash-lifeline 1\n"

/* Whether name is 1..LIFELINE_NAME_MAX bytes of [A-Za-z0-9._-]. */
static inline bool lifeline_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > LIFELINE_NAME_MAX)
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* The abstract address of name (no trailing NUL: abstract names are length-delimited);
 * returns its length for bind/connect. name must be valid. */
static inline socklen_t lifeline_addr(const char *name, struct sockaddr_un *un)
{
	size_t n = strlen(name);
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

#endif
