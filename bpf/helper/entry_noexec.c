/* leash-entry's noexec binds (entry_noexec.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "entry_noexec.h"
#include "entry_util.h"

#define NOEXEC_MAX 4096

/* Remounts the bind at `path` noexec, keeping the flags a bind remount must repeat. */
static void remount_noexec(const char *path)
{
	struct statvfs st;
	if (statvfs(path, &st) != 0) {
		entry_log("warning: cannot make \"%s\" noexec: statvfs: %s", path, strerror(errno));
		return;
	}
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_NOEXEC | MS_NOSUID | MS_NODEV;
	if (st.f_flag & ST_RDONLY)
		flags |= MS_RDONLY;
	if (st.f_flag & ST_NOATIME)
		flags |= MS_NOATIME;
	if (st.f_flag & ST_NODIRATIME)
		flags |= MS_NODIRATIME;
	if (st.f_flag & ST_RELATIME)
		flags |= MS_RELATIME;
	if (mount(NULL, path, NULL, flags, NULL) != 0)
		entry_log("warning: cannot make \"%s\" noexec: mount: %s", path, strerror(errno));
}

/* Drops `caps` (bit numbers) from the bounding set, then from every other set. */
static int drop_caps(const int *caps, int n)
{
	for (int i = 0; i < n; i++) {
		if (prctl(PR_CAPBSET_READ, caps[i], 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, caps[i], 0, 0, 0) != 0) {
			entry_log("Cannot drop capability %d from the bounding set: %s", caps[i],
				  strerror(errno));
			return -1;
		}
	}
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) != 0) {
		entry_log("Cannot read capabilities: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		unsigned mask = 1u << (caps[i] % 32);
		struct __user_cap_data_struct *d = &data[caps[i] / 32];
		d->effective &= ~mask;
		d->permitted &= ~mask;
		d->inheritable &= ~mask;
	}
	if (syscall(SYS_capset, &hdr, data) != 0) {
		entry_log("Cannot drop capabilities: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int entry_noexec_apply(void)
{
	const char *list = getenv("LEASH_NOEXEC");
	if (list && *list && strlen(list) < NOEXEC_MAX) {
		char buf[NOEXEC_MAX];
		snprintf(buf, sizeof(buf), "%s", list);
		char *save = NULL;
		for (char *p = strtok_r(buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
			if (p[0] == '/')
				remount_noexec(p);
	} else if (list && *list) {
		entry_log("warning: LEASH_NOEXEC is longer than %d bytes: no bind made noexec",
			  NOEXEC_MAX - 1);
	}
	unsetenv("LEASH_NOEXEC");
	/* Always: a target created without them has nothing to drop. CAP_SETPCAP goes last in
	 * the bounding set (dropping needs it) and with the rest from the other sets. */
	const int caps[] = {CAP_SYS_ADMIN, CAP_SETPCAP};
	return drop_caps(caps, 2);
}
