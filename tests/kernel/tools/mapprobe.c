/* Workload for the kernel VM tests of executable mappings (tests/kernel/vm/lsm_cases.sh):
 *   mapprobe mmap-exec FILE      mmap FILE with PROT_READ|PROT_EXEC
 *   mapprobe mprotect-exec FILE  mmap FILE with PROT_READ, then mprotect it PROT_READ|PROT_EXEC
 *   mapprobe anon-exec           anonymous PROT_READ|PROT_WRITE|PROT_EXEC memory (a JIT's)
 *   mapprobe memfd-exec          memfd_create, write, mmap PROT_READ|PROT_EXEC
 * Prints "mapped" or "error NAME" (EACCES, EPERM, ...) and exits 0 or 1. And for paths longer
 * than the kernel's 4096-byte buffers (a shell's cd builds the whole path and fails):
 *   mapprobe deep-make DIR NAME DEPTH   mkdir + chdir NAME DEPTH times below DIR, write "over" to f
 *   mapprobe deep-read DIR NAME DEPTH   chdir the same way and print f (or "error NAME") */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <unistd.h>

static int report(int ok)
{
	const char *name = errno == EACCES ? "EACCES" : errno == EPERM ? "EPERM" : strerror(errno);
	if (ok)
		puts("mapped");
	else
		printf("error %s\n", name);
	return ok ? 0 : 1;
}

static int deep(const char *dir, const char *name, int depth, int make)
{
	char buf[64];
	if (chdir(dir) != 0)
		return report(0);
	for (int i = 0; i < depth; i++)
		if ((make && mkdir(name, 0755) != 0 && errno != EEXIST) || chdir(name) != 0)
			return report(0);
	int fd = make ? open("f", O_WRONLY | O_CREAT | O_TRUNC, 0644) : open("f", O_RDONLY);
	if (fd < 0)
		return report(0);
	ssize_t n = make ? write(fd, "over\n", 5) : read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return report(0);
	if (!make) {
		buf[n] = '\0';
		fputs(buf, stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && (strcmp(argv[1], "deep-make") == 0 || strcmp(argv[1], "deep-read") == 0))
		return deep(argv[2], argv[3], atoi(argv[4]), argv[1][5] == 'm');
	if (argc == 3 && (strcmp(argv[1], "mmap-exec") == 0 || strcmp(argv[1], "mprotect-exec") == 0)) {
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			return report(0);
		int exec_now = strcmp(argv[1], "mmap-exec") == 0;
		void *p = mmap(NULL, 4096, PROT_READ | (exec_now ? PROT_EXEC : 0), MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			return report(0);
		return report(exec_now || mprotect(p, 4096, PROT_READ | PROT_EXEC) == 0);
	}
	if (argc == 2 && strcmp(argv[1], "anon-exec") == 0) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return report(p != MAP_FAILED);
	}
	if (argc == 2 && strcmp(argv[1], "memfd-exec") == 0) {
		int fd = memfd_create("payload", 0);
		if (fd < 0 || write(fd, "\xc3", 1) != 1)
			return report(0);
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		return report(p != MAP_FAILED);
	}
	fprintf(stderr, "usage: mapprobe mmap-exec|mprotect-exec FILE | anon-exec | memfd-exec\n");
	return 2;
}
