/* leash-entry's shared pieces: logging, whole-file reads, atomic writes, clocks. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "entry_util.h"

void entry_log(const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n = snprintf(line, sizeof(line), "leash-entry: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = strlen(line);
	line[len++] = '\n';
	/* One write() so concurrent lines do not interleave. */
	ssize_t ignored = write(STDERR_FILENO, line, len);
	(void)ignored;
}

int entry_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (used == cap) {
			if (cap >= max) {
				free(buf);
				close(fd);
				return -EFBIG;
			}
			cap = cap * 2 > max ? max : cap * 2;
			char *grown = realloc(buf, cap + 1);
			if (!grown) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = grown;
		}
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			free(buf);
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	*out = buf;
	if (len)
		*len = used;
	return 0;
}

int entry_write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash || snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp.%d", (int)(slash - path), path,
			       slash + 1, (int)getpid()) >= (int)sizeof(tmp)) {
		entry_log("Cannot write \"%s\": path too long", path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		entry_log("Cannot write \"%s\": creating temp file \"%s\" failed: %s", path, tmp,
			  strerror(errno));
		return -1;
	}
	fchmod(fd, mode); /* the umask must not narrow a marker the host reads */
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			entry_log("Cannot write \"%s\": writing temp file \"%s\" failed: %s", path, tmp,
				  strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		done += (size_t)n;
	}
	if (fsync(fd) != 0) {
		entry_log("Cannot write \"%s\": fsync of \"%s\" failed: %s", path, tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) != 0) {
		entry_log("Cannot write \"%s\": closing \"%s\" failed: %s", path, tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		entry_log("Cannot write \"%s\": renaming \"%s\" into place failed: %s", path, tmp,
			  strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* Make the rename itself durable; some filesystems refuse fsync on a dir. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) != 0 && errno != EINVAL)
			entry_log("warning: fsync of directory \"%s\" failed: %s", dir, strerror(errno));
		close(dfd);
	}
	return 0;
}

int entry_mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

double entry_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int entry_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}
