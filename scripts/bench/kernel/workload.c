/* Workload of the kernel enforcement benchmark (scripts/bench/kernel.ts), linked statically
 * and run inside the QEMU VM:
 *   leash-bench open PATH N   open(PATH, O_RDONLY) + close() N times
 *   leash-bench exec PATH M   fork() + execv(PATH, {PATH, "true"}) + waitpid() M times
 *   leash-bench true          exits 0 at once (the exec target)
 * Each loop runs a short untimed warm-up, then prints "OP ns_per_op=X n=N" measured with
 * clock_gettime(CLOCK_MONOTONIC). Any failed operation (a denial included) ends the run
 * with exit status 1 and the errno, so a refused call can never pass for a fast one.
 * With LEASH_BENCH_STATS=/proc/PID/fdinfo (the helper's, with kernel.bpf_stats_enabled) it
 * also prints, per eBPF program PID holds, the runs and run time of exactly the timed loop:
 * "prog prog_id=I prog_tag=T prog_type=Y runs=R ns=S". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int open_once(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "leash-bench: Cannot open \"%s\": %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int exec_once(const char *path)
{
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "leash-bench: Cannot fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char *const argv[] = { (char *)path, "true", NULL };
		execv(path, argv);
		fprintf(stderr, "leash-bench: Cannot exec \"%s\": %s\n", path, strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "leash-bench: Cannot wait for pid %d: %s\n", (int)pid, strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "leash-bench: \"%s\" ended with status 0x%x\n", path, status);
		return -1;
	}
	return 0;
}

#define MAX_PROGS 64

struct prog_stat {
	int fd;
	char id[24], tag[24], type[8];
	unsigned long long ns, runs;
};

static struct prog_stat progs[MAX_PROGS];
static int n_progs;

/* Copies the value of "key:\t<value>" in text into out (empty when absent). */
static void field(const char *text, const char *key, char *out, size_t len)
{
	const char *at = strstr(text, key);
	out[0] = 0;
	if (!at)
		return;
	at += strlen(key);
	while (*at == ':' || *at == ' ' || *at == '\t')
		at++;
	size_t n = strcspn(at, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(out, at, n);
	out[n] = 0;
}

/* Re-reads every program's counters (seq_file fdinfo is regenerated on each pread). */
static void read_stats(void)
{
	for (int i = 0; i < n_progs; i++) {
		char text[1024], v[32];
		ssize_t n = pread(progs[i].fd, text, sizeof(text) - 1, 0);
		text[n > 0 ? n : 0] = 0;
		field(text, "\nrun_time_ns", v, sizeof(v));
		progs[i].ns = strtoull(v, NULL, 10);
		field(text, "\nrun_cnt", v, sizeof(v));
		progs[i].runs = strtoull(v, NULL, 10);
	}
}

/* Opens the fdinfo of every eBPF program under dir, before the loop so its opens are not counted. */
static void open_stats(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "leash-bench: Cannot read \"%s\": %s\n", dir, strerror(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) && n_progs < MAX_PROGS) {
		char path[512], text[1024];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
		text[n > 0 ? n : 0] = 0;
		if (!strstr(text, "prog_type")) {
			close(fd);
			continue;
		}
		struct prog_stat *p = &progs[n_progs++];
		p->fd = fd;
		field(text, "prog_id", p->id, sizeof(p->id));
		field(text, "prog_tag", p->tag, sizeof(p->tag));
		field(text, "prog_type", p->type, sizeof(p->type));
	}
	closedir(d);
}

static int loop(const char *op, int (*once)(const char *), const char *path, long n)
{
	long warm = n / 20 + 1;
	for (long i = 0; i < warm; i++)
		if (once(path))
			return 1;
	struct prog_stat before[MAX_PROGS];
	read_stats();
	memcpy(before, progs, sizeof(before));
	long long start = now_ns();
	for (long i = 0; i < n; i++)
		if (once(path))
			return 1;
	long long spent = now_ns() - start;
	read_stats();
	printf("%s ns_per_op=%lld n=%ld\n", op, spent / n, n);
	for (int i = 0; i < n_progs; i++)
		printf("prog prog_id=%s prog_tag=%s prog_type=%s runs=%llu ns=%llu\n", progs[i].id,
		       progs[i].tag, progs[i].type, progs[i].runs - before[i].runs, progs[i].ns - before[i].ns);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "true") == 0)
		return 0;
	long n = argc == 4 ? strtol(argv[3], NULL, 10) : 0;
	if (n <= 0) {
		fprintf(stderr, "usage: leash-bench open|exec PATH COUNT | leash-bench true\n");
		return 2;
	}
	const char *stats = getenv("LEASH_BENCH_STATS");
	if (stats && *stats)
		open_stats(stats);
	if (strcmp(argv[1], "open") == 0)
		return loop("open", open_once, argv[2], n);
	if (strcmp(argv[1], "exec") == 0)
		return loop("exec", exec_once, argv[2], n);
	fprintf(stderr, "usage: leash-bench open|exec PATH COUNT | leash-bench true\n");
	return 2;
}
