/* `leash-helper probe`: loads and attaches one trivial program per type and prints
 * {"lsm":"ok"|"EPERM: load: ...","cgroup":...,"tracepoint":...,"btf":true|false}
 * so posture reports what this kernel really allows (bpf in the LSM list is not enough). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "probe.skel.h"
#include "kern.h"
#include "roles.h"

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

static const char *errno_name(int err)
{
	switch (err) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case EINVAL:
		return "EINVAL";
	case ENOENT:
		return "ENOENT";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case E2BIG:
		return "E2BIG";
	case 524: /* ENOTSUPP (kernel-internal) */
		return "ENOTSUPP";
	default:
		return "ERROR";
	}
}

int kern_cgroup2_mount(char *out, size_t outlen)
{
	char line[4096];
	int ret = -1;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, " - cgroup2 "))
			continue;
		/* fields: id parent major:minor root mountpoint ... */
		char root[4096], point[4096];
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) == 2 && strcmp(root, "/") == 0) {
			snprintf(out, outlen, "%s", point);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* Opens the cgroup v2 directory this process belongs to (for the cgroup probe). */
static int own_cgroup_fd(char *why, size_t whylen)
{
	char line[4096], mnt[4096] = "", path[8192];
	FILE *f;
	kern_cgroup2_mount(mnt, sizeof(mnt));
	if (!mnt[0]) {
		snprintf(why, whylen, "no cgroup v2 mount");
		return -1;
	}
	f = fopen("/proc/self/cgroup", "r");
	char rel[4096] = "/";
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "0::", 3) == 0) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(rel, sizeof(rel), "%s", line + 3);
			}
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s%s", mnt, rel);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		snprintf(why, whylen, "cannot open %.200s", path);
	return fd;
}

/* Loads the probe object with only `prog` enabled and attaches it; writes the verdict. */
static void try_one(const char *which, char *out, size_t outlen)
{
	struct leash_probe_bpf *skel = leash_probe_bpf__open();
	struct bpf_link *link = NULL;
	struct bpf_program *prog = NULL;
	char why[256] = "";
	int cg = -1, err;

	if (!skel) {
		snprintf(out, outlen, "%s: open: %s", errno_name(errno), strerror(errno));
		return;
	}
	bpf_program__set_autoload(skel->progs.leash_probe_lsm, strcmp(which, "lsm") == 0);
	bpf_program__set_autoload(skel->progs.leash_probe_cgroup, strcmp(which, "cgroup") == 0);
	bpf_program__set_autoload(skel->progs.leash_probe_tp, strcmp(which, "tracepoint") == 0);
	if (strcmp(which, "lsm") == 0)
		prog = skel->progs.leash_probe_lsm;
	else if (strcmp(which, "cgroup") == 0)
		prog = skel->progs.leash_probe_cgroup;
	else
		prog = skel->progs.leash_probe_tp;
	err = leash_probe_bpf__load(skel);
	if (err) {
		snprintf(out, outlen, "%s: load: %s", errno_name(-err), strerror(-err));
		goto cleanup;
	}
	if (strcmp(which, "cgroup") == 0) {
		cg = own_cgroup_fd(why, sizeof(why));
		if (cg < 0) {
			snprintf(out, outlen, "unavailable: %s", why);
			goto cleanup;
		}
		link = bpf_program__attach_cgroup(prog, cg);
	} else {
		link = bpf_program__attach(prog);
	}
	if (!link) {
		err = errno;
		snprintf(out, outlen, "%s: attach: %s", errno_name(err), strerror(err));
		goto cleanup;
	}
	snprintf(out, outlen, "ok");
cleanup:
	bpf_link__destroy(link);
	if (cg >= 0)
		close(cg);
	leash_probe_bpf__destroy(skel);
}

void kern_probe_run(struct kern_probe *out)
{
	libbpf_print_fn_t prev = libbpf_set_print(quiet_print);
	try_one("lsm", out->lsm, sizeof(out->lsm));
	try_one("cgroup", out->cgroup, sizeof(out->cgroup));
	try_one("tracepoint", out->tracepoint, sizeof(out->tracepoint));
	libbpf_set_print(prev);
	out->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
}

int probe_main(int argc, char **argv)
{
	struct kern_probe p;
	(void)argc;
	(void)argv;
	kern_probe_run(&p);
	fputs("{\"lsm\":", stdout);
	kern_json_str(stdout, p.lsm, strlen(p.lsm));
	fputs(",\"cgroup\":", stdout);
	kern_json_str(stdout, p.cgroup, strlen(p.cgroup));
	fputs(",\"tracepoint\":", stdout);
	kern_json_str(stdout, p.tracepoint, strlen(p.tracepoint));
	printf(",\"btf\":%s}\n", p.btf ? "true" : "false");
	return 0;
}
