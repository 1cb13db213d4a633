/* Connecting to the host's session sockets as their owner (sock_owner.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "sock_owner.h"

static int owner_set;
static uid_t owner_uid;
static gid_t owner_gid;

int sock_owner_parse(const char *spec)
{
	char *end;
	errno = 0;
	unsigned long uid = strtoul(spec, &end, 10);
	if (errno || end == spec || *end != ':' || uid >= (unsigned long)(uid_t)-1)
		return -1;
	const char *g = end + 1;
	unsigned long gid = strtoul(g, &end, 10);
	if (errno || end == g || *end != '\0' || gid >= (unsigned long)(gid_t)-1)
		return -1;
	owner_uid = (uid_t)uid;
	owner_gid = (gid_t)gid;
	owner_set = 1;
	return 0;
}

/* setfsuid/setfsgid report the previous id whether or not they changed it: a call with -1
 * reads the current one back. */
static uid_t current_fsuid(void)
{
	return (uid_t)setfsuid((uid_t)-1);
}

static gid_t current_fsgid(void)
{
	return (gid_t)setfsgid((gid_t)-1);
}

int sock_owner_connect(int fd, const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(un.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(un.sun_path, path);
	uid_t uid = current_fsuid();
	gid_t gid = current_fsgid();
	int switched = owner_set && (owner_uid != uid || owner_gid != gid);
	if (switched) {
		/* the group first: without CAP_SETUID the uid switch would fail anyway, and a
		 * refused switch just leaves the ids as they were (the connect then says why) */
		setfsgid(owner_gid);
		setfsuid(owner_uid);
	}
	int ret = connect(fd, (struct sockaddr *)&un, sizeof(un));
	int e = errno;
	if (switched) {
		setfsuid(uid);
		setfsgid(gid);
	}
	errno = e;
	return ret;
}

void sock_owner_explain(const char *path, char *buf, size_t cap)
{
	char copy[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(copy, sizeof(copy), "%s", path);
	const char *dir = dirname(copy);
	uid_t uid = current_fsuid();
	gid_t gid = current_fsgid();
	/* what the connect used: the owner when the switch took */
	if (owner_set) {
		setfsgid(owner_gid);
		setfsuid(owner_uid);
		uid_t as_uid = current_fsuid();
		gid_t as_gid = current_fsgid();
		setfsuid(uid);
		setfsgid(gid);
		uid = as_uid;
		gid = as_gid;
	}
	struct stat st;
	if (stat(dir, &st) == 0)
		snprintf(buf, cap, " (as uid %u gid %u; %s is mode %04o owned by %u:%u)", (unsigned)uid,
			 (unsigned)gid, dir, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid);
	else
		snprintf(buf, cap, " (as uid %u gid %u; %s: %s)", (unsigned)uid, (unsigned)gid, dir, strerror(errno));
}
