/* Tries to run code from a memfd the ways an agent could (leash-entry's memfd guard, entry_test.ts):
 *   memfdprobe [--landlock] SHAPE FLAGS
 *     SHAPE  fexecve (libc: execveat AT_EMPTY_PATH, else /proc/self/fd/N), execveat (the raw
 *            syscall with AT_EMPTY_PATH) or procfd (execve "/proc/self/fd/N")
 *     FLAGS  none, cloexec, exec (MFD_EXEC) or noexec-seal (MFD_NOEXEC_SEAL)
 *   memfdprobe [--landlock] fexecve-file PATH   fexecve of a regular file: "fexecve-file ok"
 *   --landlock  first restricts itself with Landlock to executing from /bin only (what
 *               leash-entry's Landlock layer does, without the guard)
 * The memfd holds a copy of this program; run as "memfdprobe witness" it prints "payload ran".
 * Failures print "error STAGE ERRNO" (STAGE: landlock, create, copy, exec). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

static int fail(const char *stage)
{
	const char *name = errno == ENOSYS ? "ENOSYS" : errno == EACCES ? "EACCES" : errno == EPERM ? "EPERM"
			 : errno == EINVAL ? "EINVAL" : strerror(errno);
	printf("error %s %s\n", stage, name);
	return 1;
}

static int landlock_bin_only(void)
{
	struct landlock_ruleset_attr attr = { .handled_access_fs = LANDLOCK_ACCESS_FS_EXECUTE };
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return -1;
	struct landlock_path_beneath_attr bin = { .allowed_access = LANDLOCK_ACCESS_FS_EXECUTE };
	bin.parent_fd = open("/bin", O_PATH | O_CLOEXEC);
	if (bin.parent_fd < 0 || syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &bin, 0) != 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_landlock_restrict_self, rs, 0) != 0)
		return -1;
	return 0;
}

static unsigned parse_flags(const char *s)
{
	if (strcmp(s, "cloexec") == 0)
		return MFD_CLOEXEC;
	if (strcmp(s, "exec") == 0)
		return MFD_EXEC;
	if (strcmp(s, "noexec-seal") == 0)
		return MFD_NOEXEC_SEAL;
	return 0;
}

int main(int argc, char **argv)
{
	char *witness[] = { "memfdprobe", "witness", NULL };
	if (argc == 2 && strcmp(argv[1], "witness") == 0) {
		puts("payload ran");
		return 0;
	}
	int a = 1;
	if (a < argc && strcmp(argv[a], "--landlock") == 0) {
		a++;
		if (landlock_bin_only() != 0)
			return fail("landlock");
	}
	if (argc - a != 2) {
		fprintf(stderr, "usage: memfdprobe [--landlock] fexecve|execveat|procfd FLAGS | fexecve-file PATH\n");
		return 2;
	}
	const char *shape = argv[a], *arg = argv[a + 1];
	fflush(stdout);
	if (strcmp(shape, "fexecve-file") == 0) {
		char *echo[] = { "echo", "fexecve-file ok", NULL };
		int fd = open(arg, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail("open");
		fexecve(fd, echo, environ);
		return fail("exec");
	}
	int fd = (int)syscall(SYS_memfd_create, "payload", parse_flags(arg));
	if (fd < 0)
		return fail("create");
	/* the payload: a copy of this program */
	int self = open("/bin/memfdprobe", O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n;
	if (self < 0)
		return fail("copy");
	while ((n = read(self, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return fail("copy");
	if (strcmp(shape, "fexecve") == 0) {
		fexecve(fd, witness, environ);
	} else if (strcmp(shape, "execveat") == 0) {
		syscall(SYS_execveat, fd, "", witness, environ, AT_EMPTY_PATH);
	} else {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		execve(path, witness, environ);
	}
	return fail("exec");
}
