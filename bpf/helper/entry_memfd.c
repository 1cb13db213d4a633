/* The memfd guard's seccomp filter (entry_memfd.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "entry_memfd.h"
#include "entry_util.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#define NR_MEMFD_CREATE 319
#define NR_EXECVEAT 322
#define NR_MEMFD_SECRET 447
#define X32_BIT 0x40000000U
#define X32_EXECVEAT 545 /* x32 has its own execveat (compat argv) */
#define I386_MEMFD_CREATE 356
#define I386_EXECVEAT 358
#define I386_MEMFD_SECRET 447
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#define NR_MEMFD_CREATE 279
#define NR_EXECVEAT 281
#define NR_MEMFD_SECRET 447
#else
#error "leash-entry's memfd guard knows x86_64 and aarch64 only"
#endif

#define ARG_LO(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(__u64)) /* little endian */
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define ERRNO(e) RET(SECCOMP_RET_ERRNO | (e))
#define ALLOW RET(SECCOMP_RET_ALLOW)

void entry_memfd_probe(struct entry_memfd_guard *g)
{
	memset(g, 0, sizeof(*g));
	/* 0: no filter yet, 2: filtered already (Docker's profile); EINVAL: no CONFIG_SECCOMP */
	g->seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	int fd = (int)syscall(NR_MEMFD_CREATE, "leash-probe", MFD_CLOEXEC | MFD_NOEXEC_SEAL);
	if (fd >= 0) {
		g->noexec_seal = 1;
		close(fd);
	}
	g->sysctl = -1;
	FILE *f = fopen("/proc/sys/vm/memfd_noexec", "re");
	if (f) {
		if (fscanf(f, "%d", &g->sysctl) != 1)
			g->sysctl = -1;
		fclose(f);
	}
}

const char *entry_memfd_describe(const struct entry_memfd_guard *g)
{
	if (!g->seccomp)
		return "off: this kernel has no seccomp filters (CONFIG_SECCOMP_FILTER)";
	return g->noexec_seal ? "seccomp-noexec-seal" : "seccomp-no-memfd";
}

int entry_memfd_install(const struct entry_memfd_guard *g)
{
	/* memfd_create: MFD_EXEC → EACCES; MFD_NOEXEC_SEAL (when the kernel has it) → allow;
	 * anything else → ENOSYS. */
	const __u32 seal_ok = g->noexec_seal ? 0 : 1; /* 1: skip the allow when it is unknown */
	struct sock_filter filter[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
#if defined(__x86_64__)
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 8, 0),
		/* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 6),
		/* i386: no memfds, no execveat (compat ABI; nothing needs them) */
		/* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, I386_MEMFD_CREATE, 3, 0),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, I386_EXECVEAT, 2, 0),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, I386_MEMFD_SECRET, 1, 0),
		/* 7 */ ALLOW,
		/* 8 */ ERRNO(ENOSYS),
		/* 9 */ ALLOW, /* another ABI: cannot happen on x86_64 */
		/* 10: native (x86_64 and x32) */
		/* 10 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 11 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, X32_BIT | NR_MEMFD_CREATE, 1, 0),
		/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, X32_BIT | X32_EXECVEAT, 0, 1),
		/* 13 */ ERRNO(ENOSYS),
		/* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, X32_BIT | NR_MEMFD_SECRET, 0, 1),
		/* 15 */ ERRNO(ENOSYS),
#else
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
		/* 2 */ ALLOW, /* arm32 compat: memfd via the native ABI only */
		/* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#endif
		/* 16 (x86_64), 4 (aarch64): memfd_create */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_MEMFD_CREATE, 0, 6),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MFD_EXEC, 0, 1),
		ERRNO(EACCES),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MFD_NOEXEC_SEAL, seal_ok, 1),
		ALLOW,
		ERRNO(ENOSYS),
		/* execveat with AT_EMPTY_PATH */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_EXECVEAT, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(4)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, AT_EMPTY_PATH, 0, 3),
		ERRNO(ENOSYS),
		/* memfd_secret */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_MEMFD_SECRET, 0, 1),
		ERRNO(ENOSYS),
		ALLOW,
	};
	struct sock_fprog prog = { .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])), .filter = filter };
	if (!g->seccomp) {
		entry_log("Cannot guard memfds: %s", entry_memfd_describe(g));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		entry_log("Cannot guard memfds: PR_SET_NO_NEW_PRIVS failed: %s", strerror(errno));
		return -1;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		entry_log("Cannot guard memfds: installing the seccomp filter failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}
