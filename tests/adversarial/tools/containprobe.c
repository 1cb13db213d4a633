/* The containment attempts' probe (tests/adversarial/attempts_contain.ts), built statically on
 * the host and mounted into the target at /usr/local/bin/containprobe; also run on the host to
 * read a file's extended attribute for the judges. One line per result, errno names as
 * "error ENAME".
 *   containprobe meta chmod|chown|utimes|setxattr PATH   change PATH's metadata
 *   containprobe stat PATH                                size=N mtime=N or the error
 *   containprobe memfd FILE                               FILE's bytes in a memfd, then fexecve
 *   containprobe forks N                                  fork N children that wait; forked=K
 *   containprobe alloc MB                                 touch MB MiB in 16 MiB steps
 *   containprobe getxattr PATH NAME                       value=... (host side)
 *   containprobe mark PATH                                user.leash-adv=original (host side) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static int report(const char *what, int rc)
{
	if (rc == 0)
		printf("%s=ok\n", what);
	else
		printf("%s=error %s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	return rc == 0 ? 0 : 1;
}

static int meta(const char *op, const char *path)
{
	if (strcmp(op, "chmod") == 0)
		return report("chmod", chmod(path, 0777));
	if (strcmp(op, "chown") == 0)
		return report("chown", chown(path, 4321, 4321));
	if (strcmp(op, "utimes") == 0) {
		struct timespec t[2] = {{.tv_sec = 978307200}, {.tv_sec = 978307200}};
		return report("utimes", utimensat(AT_FDCWD, path, t, 0));
	}
	if (strcmp(op, "setxattr") == 0)
		return report("setxattr", setxattr(path, "user.leash-adv", "changed", 7, 0));
	fprintf(stderr, "unknown meta op %s\n", op);
	return 2;
}

static int do_stat(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return report("stat", -1);
	printf("size=%lld mtime=%lld mode=%o uid=%d\n", (long long)st.st_size,
	       (long long)st.st_mtime, st.st_mode & 07777, st.st_uid);
	return 0;
}

static int do_memfd(const char *file)
{
	int in = open(file, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return report("open", -1);
	int fd = (int)syscall(SYS_memfd_create, "leash-adv", 0);
	if (fd < 0)
		return report("memfd_create", -1);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return report("write", -1);
	printf("memfd_create=ok\n");
	fflush(stdout);
	char *argv[] = {"payload", NULL};
	char *envp[] = {NULL};
	fexecve(fd, argv, envp);
	report("fexecve", -1);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	execve(path, argv, envp);
	return report("execve_proc_fd", -1);
}

static int forks(int n)
{
	pid_t *kids = calloc((size_t)n, sizeof(pid_t));
	int made = 0, err = 0;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[made++] = pid;
	}
	for (int i = 0; i < made; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < made; i++)
		waitpid(kids[i], NULL, 0);
	printf("forked=%d error=%s\n", made, err ? strerrorname_np(err) : "none");
	return 0;
}

static int alloc(int mb)
{
	for (int done = 0; done < mb; done += 16) {
		char *p = malloc(16 << 20);
		if (!p)
			return report("malloc", -1);
		memset(p, 1, 16 << 20);
		printf("alloc=%d\n", done + 16);
		fflush(stdout);
	}
	printf("ALLOC-%s\n", "DONE");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "meta") == 0)
		return meta(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "stat") == 0)
		return do_stat(argv[2]);
	if (argc == 3 && strcmp(argv[1], "memfd") == 0)
		return do_memfd(argv[2]);
	if (argc == 3 && strcmp(argv[1], "forks") == 0)
		return forks(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "alloc") == 0)
		return alloc(atoi(argv[2]));
	if (argc == 4 && strcmp(argv[1], "getxattr") == 0) {
		char value[256];
		ssize_t n = getxattr(argv[2], argv[3], value, sizeof(value) - 1);
		if (n < 0)
			return report("getxattr", -1);
		value[n] = 0;
		printf("value=%s\n", value);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "mark") == 0)
		return report("mark", setxattr(argv[2], "user.leash-adv", "original", 8, 0));
	fprintf(stderr, "usage: containprobe meta|stat|memfd|forks|alloc|getxattr ...\n");
	return 2;
}
