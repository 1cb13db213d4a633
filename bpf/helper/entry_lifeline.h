/* leash-entry's end of the lifeline (lifeline.h, docs/protocol.md "Lifeline"). */
#ifndef LEASH_ENTRY_LIFELINE_H
#define LEASH_ENTRY_LIFELINE_H

/* How long the manager has to acknowledge the connection. */
#define ENTRY_LIFELINE_ACK_S 5.0

/* Connects to the manager's abstract socket NAME and waits for its acknowledgement.
 * Returns the connected descriptor (close-on-exec), or -1 after logging why. */
int entry_lifeline_connect(const char *name);

/* Reads whatever is pending on the lifeline without blocking; 1 when it has ended (EOF or
 * an error: the manager's end is closed), else 0. */
int entry_lifeline_ended(int fd);

#endif
