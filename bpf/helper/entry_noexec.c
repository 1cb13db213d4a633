/* leash-entry's noexec binds (entry_noexec.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
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

/* The namespace flags Docker's profile refuses on clone without CAP_SYS_ADMIN. */
#define NS_FLAGS 0x7E020000U

#if defined(__x86_64__)
#define NS_ARCH AUDIT_ARCH_X86_64
#define NS_UNSHARE 272
#define NS_SETNS 308
#define NS_CLONE 56
#define NS_X32_BIT 0x40000000U
#define NS_I386_UNSHARE 310
#define NS_I386_SETNS 346
#define NS_I386_CLONE 120
#elif defined(__aarch64__)
#define NS_ARCH AUDIT_ARCH_AARCH64
#define NS_UNSHARE 97
#define NS_SETNS 268
#define NS_CLONE 220
#else
#error "leash-entry's namespace guard knows x86_64 and aarch64 only"
#endif
#define NS_CLONE3 435

#define NS_LD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define NS_RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
/* Nine instructions: unshare and setns EPERM, clone3 ENOSYS (libc falls back to clone),
 * clone with a namespace flag EPERM, the rest allowed; the syscall number is loaded. */
#define NS_BLOCK(unshare, setns, clone)                                                      \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unshare), 5, 0),                                 \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (setns), 4, 0),                                   \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NS_CLONE3, 4, 0),                                 \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (clone), 0, 4),                                   \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args)),              \
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 2),                                 \
	NS_RET(SECCOMP_RET_ERRNO | EPERM), NS_RET(SECCOMP_RET_ERRNO | ENOSYS),               \
	NS_RET(SECCOMP_RET_ALLOW)

/* Docker's seccomp profile lets a container with CAP_SYS_ADMIN create namespaces (user
 * namespaces need no capability at all); the target had it only for the remount, so the
 * profile's refusals for containers without it are restored here, while leash-entry still
 * holds CAP_SYS_ADMIN (a filter needs it or no_new_privs, which would break setuid tools). */
static int guard_namespaces(void)
{
	struct sock_filter filter[] = {
		NS_LD(arch),
#if defined(__x86_64__)
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 10),
		NS_LD(nr),
		NS_BLOCK(NS_I386_UNSHARE, NS_I386_SETNS, NS_I386_CLONE),
		/* native and x32 (the same numbers with the x32 bit) */
		NS_LD(nr),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~NS_X32_BIT),
#else
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NS_ARCH, 1, 0),
		NS_RET(SECCOMP_RET_ALLOW),
		NS_LD(nr),
#endif
		NS_BLOCK(NS_UNSHARE, NS_SETNS, NS_CLONE),
	};
	struct sock_fprog prog = {.len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
				  .filter = filter};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		entry_log("Cannot refuse new namespaces: installing the seccomp filter failed: %s",
			  strerror(errno));
		return -1;
	}
	return 0;
}

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
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) == 1 && guard_namespaces() != 0)
		return -1;
	/* Always: a target created without them has nothing to drop. CAP_SETPCAP goes last in
	 * the bounding set (dropping needs it) and with the rest from the other sets. */
	const int caps[] = {CAP_SYS_ADMIN, CAP_SETPCAP};
	return drop_caps(caps, 2);
}
