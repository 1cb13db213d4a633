/* The user the command runs as: LEASH_USER ("uid[:gid]" or "name[:group]"), resolved
 * from the image's /etc/passwd and /etc/group (a static binary has no NSS). */
#ifndef LEASH_ENTRY_USER_H
#define LEASH_ENTRY_USER_H

#include <limits.h>
#include <sys/types.h>

#define ENTRY_MAX_GROUPS 64

struct entry_user {
	uid_t uid;
	gid_t gid;
	int n_groups;
	gid_t groups[ENTRY_MAX_GROUPS];
	char home[PATH_MAX];
};

/* Resolves spec; returns 0 or -1 after logging why. */
int entry_user_resolve(const char *spec, struct entry_user *out);

/* Sets groups, gid, uid and HOME, and checks root cannot be regained; 0 or -1 logged. */
int entry_user_drop(const struct entry_user *u);

#endif
