/* Resolves LEASH_USER against /etc/passwd and /etc/group like `docker run --user`
 * does, and drops to it. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "entry_user.h"
#include "entry_util.h"

#define DB_MAX (16 << 20)

/* Parses a decimal id; -1 when s is not one. */
static long parse_id(const char *s)
{
	if (!*s)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno || v < 0 || v > 0x7fffffffL || *s == '-' || *s == '+')
		return -1;
	return v;
}

/* Splits a colon-separated line into at most max fields (in place). */
static int split(char *line, char **f, int max)
{
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

static int member_of(const char *members, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = members; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == len && strncmp(p, name, n) == 0)
			return 1;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

static void add_group(struct entry_user *u, gid_t g)
{
	for (int i = 0; i < u->n_groups; i++)
		if (u->groups[i] == g)
			return;
	if (u->n_groups < ENTRY_MAX_GROUPS)
		u->groups[u->n_groups++] = g;
}

int entry_user_resolve(const char *spec, struct entry_user *out)
{
	char user_part[256], *group_part = NULL;
	if (snprintf(user_part, sizeof(user_part), "%s", spec) >= (int)sizeof(user_part) ||
	    !user_part[0]) {
		entry_log("Cannot use LEASH_USER \"%s\": expected uid[:gid] or name[:group]", spec);
		return -1;
	}
	char *colon = strchr(user_part, ':');
	if (colon) {
		*colon = '\0';
		group_part = colon + 1;
		if (!*user_part || !*group_part) {
			entry_log("Cannot use LEASH_USER \"%s\": expected uid[:gid] or name[:group]", spec);
			return -1;
		}
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->home, sizeof(out->home), "/");
	long uid = parse_id(user_part);
	long gid = group_part ? parse_id(group_part) : -1;
	char name[256] = "";
	int found = 0;

	char *db = NULL;
	if (entry_read_file("/etc/passwd", DB_MAX, &db, NULL) == 0) {
		for (char *line = strtok(db, "\n"); line; line = strtok(NULL, "\n")) {
			char *f[7];
			if (split(line, f, 7) < 7)
				continue;
			long line_uid = parse_id(f[2]);
			if ((uid >= 0 && line_uid == uid) || (uid < 0 && strcmp(f[0], user_part) == 0)) {
				uid = line_uid;
				snprintf(name, sizeof(name), "%s", f[0]);
				if (!group_part)
					gid = parse_id(f[3]);
				snprintf(out->home, sizeof(out->home), "%s", *f[5] ? f[5] : "/");
				found = 1;
				break;
			}
		}
		free(db);
	}
	if (uid < 0) {
		entry_log("Cannot use LEASH_USER \"%s\": no user \"%s\" in the image's /etc/passwd",
			  spec, user_part);
		return -1;
	}
	db = NULL;
	if (entry_read_file("/etc/group", DB_MAX, &db, NULL) == 0) {
		int group_found = gid >= 0;
		for (char *line = strtok(db, "\n"); line; line = strtok(NULL, "\n")) {
			char *f[4];
			if (split(line, f, 4) < 4)
				continue;
			long line_gid = parse_id(f[2]);
			if (line_gid < 0)
				continue;
			if (!group_found && group_part && strcmp(f[0], group_part) == 0) {
				gid = line_gid;
				group_found = 1;
			}
			/* Supplementary groups only for a named user, and not with an explicit group
			 * (docker run --user u:g does the same). */
			if (found && !group_part && member_of(f[3], name))
				add_group(out, (gid_t)line_gid);
		}
		free(db);
	}
	if (gid < 0 && group_part) {
		entry_log("Cannot use LEASH_USER \"%s\": no group \"%s\" in the image's /etc/group",
			  spec, group_part);
		return -1;
	}
	if (gid < 0)
		gid = 0; /* a uid unknown to the image runs with gid 0, as with docker run --user */
	out->uid = (uid_t)uid;
	out->gid = (gid_t)gid;
	/* The primary group first, then the supplementary ones. */
	struct entry_user tmp = *out;
	out->n_groups = 0;
	add_group(out, out->gid);
	for (int i = 0; i < tmp.n_groups; i++)
		add_group(out, tmp.groups[i]);
	return 0;
}

int entry_user_drop(const struct entry_user *u)
{
	if (setgroups((size_t)u->n_groups, u->groups) != 0) {
		entry_log("Cannot drop to uid %u: setgroups failed: %s", (unsigned)u->uid,
			  strerror(errno));
		return -1;
	}
	if (setgid(u->gid) != 0) {
		entry_log("Cannot drop to gid %u: setgid failed: %s", (unsigned)u->gid, strerror(errno));
		return -1;
	}
	if (setuid(u->uid) != 0) {
		entry_log("Cannot drop to uid %u: setuid failed: %s", (unsigned)u->uid, strerror(errno));
		return -1;
	}
	if (getuid() != u->uid || geteuid() != u->uid || getgid() != u->gid || getegid() != u->gid) {
		entry_log("Cannot drop to uid %u gid %u: the ids did not change", (unsigned)u->uid,
			  (unsigned)u->gid);
		return -1;
	}
	if (u->uid != 0 && setuid(0) == 0) {
		entry_log("Cannot drop to uid %u: root could be regained", (unsigned)u->uid);
		return -1;
	}
	setenv("HOME", u->home, 1);
	return 0;
}
