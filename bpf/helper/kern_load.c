/* Loading and attaching the eBPF layers: lsm → cgroup-net → observe, sharing one set of
 * maps (the first object that loads owns them; later ones reuse its fds). Each layer that
 * the kernel refuses is reported per program with its errno and nothing else is affected. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "leash_maps.h"
#include "lsm.skel.h"
#include "net.skel.h"
#include "observe.skel.h"
#include "kern.h"

#define CGROUP2_SUPER_MAGIC 0x63677270

int kern_mode_parse(const char *s)
{
	if (strcmp(s, "record") == 0)
		return LEASH_MODE_RECORD;
	if (strcmp(s, "shadow") == 0)
		return LEASH_MODE_SHADOW;
	if (strcmp(s, "enforce") == 0)
		return LEASH_MODE_ENFORCE;
	return -1;
}

const char *kern_mode_name(__u32 mode)
{
	switch (mode) {
	case LEASH_MODE_RECORD:
		return "record";
	case LEASH_MODE_SHADOW:
		return "shadow";
	default:
		return "enforce";
	}
}

int kern_open_cgroup(struct kern_state *st, const char *path, char *err, size_t errlen)
{
	struct statfs sfs;
	struct stat sb, parent;
	char *dir = NULL;
	int ret = -1;

	if (statfs(path, &sfs) || stat(path, &sb)) {
		snprintf(err, errlen, "Cannot open target cgroup \"%s\": %s", path, strerror(errno));
		goto cleanup;
	}
	if (sfs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "Cannot use target cgroup \"%s\": not a cgroup v2 directory", path);
		goto cleanup;
	}
	/* Level = directories between the target and the root of the cgroup2 mount: the target's
	 * absolute level when that mount shows the real root, a lower bound when this manager runs
	 * in a private cgroup namespace (the programs search from it: in_target, bpf/progs/common.h). */
	dir = realpath(path, NULL);
	if (!dir) {
		snprintf(err, errlen, "Cannot resolve target cgroup \"%s\": %s", path, strerror(errno));
		goto cleanup;
	}
	st->cgroup_level = 0;
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
		if (statfs(dir, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC || stat(dir, &parent) ||
		    parent.st_dev != sb.st_dev)
			break;
		st->cgroup_level++;
	}
	/* The programs govern the target and every descendant: the root would be every process. */
	if (st->cgroup_level == 0 || sb.st_ino == 1) {
		snprintf(err, errlen,
			 "Cannot use target cgroup \"%s\": it is the cgroup root; give a strict descendant "
			 "(the target container's own cgroup)", path);
		goto cleanup;
	}
	st->cgroup_id = sb.st_ino; /* a cgroup2 directory's inode number is its cgroup id */
	st->cgroup_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->cgroup_fd < 0) {
		snprintf(err, errlen, "Cannot open target cgroup \"%s\": %s", path, strerror(errno));
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(dir);
	return ret;
}

static void add_result(struct kern_state *st, const char *layer, const char *name, int err,
		       const char *step)
{
	if (st->n_results >= KERN_MAX_PROGS)
		return;
	struct kern_prog_result *r = &st->results[st->n_results++];
	r->layer = layer;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->err = err < 0 ? -err : err;
	snprintf(r->step, sizeof(r->step), "%s", step);
}

/* Makes obj use the shared maps of the first loaded object (same names). */
static int share_maps(struct kern_state *st, struct bpf_object *obj)
{
	struct bpf_map *map;
	if (!st->shared)
		return 0;
	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		if (strchr(name, '.'))
			continue; /* .rodata, .bss: per object */
		struct bpf_map *owner = bpf_object__find_map_by_name(st->shared, name);
		if (!owner)
			continue;
		int err = bpf_map__reuse_fd(map, bpf_map__fd(owner));
		if (err)
			return err;
	}
	return 0;
}

static void size_ring(struct bpf_map *events, const struct kern_opts *opts)
{
	if (opts->ring_size)
		bpf_map__set_max_entries(events, opts->ring_size);
}

/* Attaches one program; records the result. */
static void attach(struct kern_state *st, const char *layer, struct bpf_program *prog, int cgroup_fd)
{
	struct bpf_link *link;
	if (st->n_links >= KERN_MAX_PROGS)
		return;
	link = cgroup_fd >= 0 ? bpf_program__attach_cgroup(prog, cgroup_fd) : bpf_program__attach(prog);
	if (!link) {
		add_result(st, layer, bpf_program__name(prog), errno ? errno : EINVAL, "attach");
		return;
	}
	st->links[st->n_links++] = link;
	add_result(st, layer, bpf_program__name(prog), 0, "attach");
}

static void refuse_all(struct kern_state *st, const char *layer, struct bpf_object *obj, int err,
		       const char *step)
{
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		if (bpf_program__autoload(prog))
			add_result(st, layer, bpf_program__name(prog), err, step);
	}
}

static bool lsm_attached(struct kern_state *st)
{
	for (int i = 0; i < st->n_results; i++)
		if (strcmp(st->results[i].layer, "kernel-lsm") == 0 && st->results[i].err == 0)
			return true;
	return false;
}

static int init_config(struct kern_state *st)
{
	__u32 zero = 0;
	struct leash_config cfg = { .mode = st->mode, .slot = 0, .flags = st->flags };
	struct bpf_map *map = bpf_object__find_map_by_name(st->shared, "run_config");
	if (!map)
		return -ENOENT;
	/* Until an image arrives both slots deny nothing by default: defaults are zero, so
	 * files default to deny; the host sends an image before running anything. */
	return bpf_map_update_elem(bpf_map__fd(map), &zero, &cfg, BPF_ANY);
}

static void load_lsm(struct kern_state *st, const struct kern_opts *opts)
{
	struct leash_lsm_bpf *skel = leash_lsm_bpf__open();
	int err;
	if (!skel) {
		add_result(st, "kernel-lsm", "lsm", errno, "open");
		return;
	}
	skel->rodata->target_cgroup = st->cgroup_id;
	skel->rodata->target_level = st->cgroup_level;
	size_ring(skel->maps.events, opts);
	err = share_maps(st, skel->obj);
	if (!err)
		err = leash_lsm_bpf__load(skel);
	if (err) {
		refuse_all(st, "kernel-lsm", skel->obj, err, "load");
		leash_lsm_bpf__destroy(skel);
		return;
	}
	st->lsm = skel;
	if (!st->shared)
		st->shared = skel->obj;
	attach(st, "kernel-lsm", skel->progs.leash_file_open, -1);
	attach(st, "kernel-lsm", skel->progs.leash_bprm_check, -1);
	attach(st, "kernel-lsm", skel->progs.leash_mmap_file, -1);
	attach(st, "kernel-lsm", skel->progs.leash_file_mprotect, -1);
	attach(st, "kernel-lsm", skel->progs.leash_socket_connect, -1);
	attach(st, "kernel-lsm", skel->progs.leash_socket_create, -1);
}

static void load_net(struct kern_state *st, const struct kern_opts *opts)
{
	struct leash_net_bpf *skel = leash_net_bpf__open();
	int err;
	if (!skel) {
		add_result(st, "cgroup-net", "net", errno, "open");
		return;
	}
	skel->rodata->target_cgroup = st->cgroup_id;
	skel->rodata->target_level = st->cgroup_level;
	size_ring(skel->maps.events, opts);
	err = share_maps(st, skel->obj);
	if (!err)
		err = leash_net_bpf__load(skel);
	if (err) {
		refuse_all(st, "cgroup-net", skel->obj, err, "load");
		leash_net_bpf__destroy(skel);
		return;
	}
	st->net = skel;
	if (!st->shared)
		st->shared = skel->obj;
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj)
		attach(st, "cgroup-net", prog, st->cgroup_fd);
}

static void load_observe(struct kern_state *st, const struct kern_opts *opts, bool observers)
{
	struct leash_observe_bpf *skel = leash_observe_bpf__open();
	int err;
	if (!skel) {
		add_result(st, "observe", "observe", errno, "open");
		return;
	}
	skel->rodata->target_cgroup = st->cgroup_id;
	skel->rodata->target_level = st->cgroup_level;
	size_ring(skel->maps.events, opts);
	bpf_program__set_autoload(skel->progs.leash_obs_syscall, observers);
	bpf_program__set_autoload(skel->progs.leash_obs_exit, observers);
	bpf_program__set_autoload(skel->progs.leash_obs_exec, observers);
	err = share_maps(st, skel->obj);
	if (!err)
		err = leash_observe_bpf__load(skel);
	if (err) {
		refuse_all(st, "observe", skel->obj, err, "load");
		leash_observe_bpf__destroy(skel);
		return;
	}
	st->observe = skel;
	if (!st->shared)
		st->shared = skel->obj;
	attach(st, "observe", skel->progs.leash_argv, -1);
	if (observers) {
		attach(st, "observe", skel->progs.leash_obs_syscall, -1);
		attach(st, "observe", skel->progs.leash_obs_exit, -1);
		attach(st, "observe", skel->progs.leash_obs_exec, -1);
	}
}

int kern_activate(struct kern_state *st, const struct kern_opts *opts, char *err, size_t errlen)
{
	int ret = -1;
	st->mode = opts->mode;
	st->flags = opts->log_allow ? LEASH_F_LOG_ALLOW : 0;
	st->slot = -1;
	if (opts->lsm)
		load_lsm(st, opts);
	if (opts->cgroup_net)
		load_net(st, opts);
	bool observers = opts->observe == KERN_OBSERVE_ON ||
			 (opts->observe == KERN_OBSERVE_AUTO && !lsm_attached(st));
	if (opts->observe != KERN_OBSERVE_OFF || lsm_attached(st))
		load_observe(st, opts, observers);
	if (!st->shared || st->n_links == 0) {
		snprintf(err, errlen, "Cannot activate: the kernel refused every leash program");
		goto cleanup;
	}
	if (init_config(st)) {
		snprintf(err, errlen, "Cannot initialize the config map: %s", strerror(errno));
		goto cleanup;
	}
	struct bpf_map *events = bpf_object__find_map_by_name(st->shared, "events");
	st->ring = kern_ring_new(st, bpf_map__fd(events));
	if (!st->ring) {
		snprintf(err, errlen, "Cannot open the event ring buffer: %s", strerror(errno));
		goto cleanup;
	}
	ret = 0;
cleanup:
	return ret;
}

int kern_set_mode(struct kern_state *st, __u32 mode)
{
	__u32 zero = 0;
	struct leash_config cfg;
	if (!st->shared) { /* relay-only activation: no program reads the mode */
		st->mode = mode;
		return 0;
	}
	struct bpf_map *map = bpf_object__find_map_by_name(st->shared, "run_config");
	if (!map)
		return -ENOENT;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &zero, &cfg))
		return -errno;
	cfg.mode = mode;
	if (bpf_map_update_elem(bpf_map__fd(map), &zero, &cfg, BPF_ANY))
		return -errno;
	st->mode = mode;
	return 0;
}

void kern_teardown(struct kern_state *st)
{
	ring_buffer__free(st->ring);
	st->ring = NULL;
	for (int i = 0; i < st->n_links; i++)
		bpf_link__destroy(st->links[i]);
	st->n_links = 0;
	leash_observe_bpf__destroy(st->observe);
	leash_net_bpf__destroy(st->net);
	leash_lsm_bpf__destroy(st->lsm);
	st->observe = NULL;
	st->net = NULL;
	st->lsm = NULL;
	st->shared = NULL;
	if (st->cgroup_fd >= 0)
		close(st->cgroup_fd);
	st->cgroup_fd = -1;
	for (__u32 i = 0; i < st->rules.n; i++)
		free(st->rules.names[i]);
	free(st->rules.names);
	st->rules.names = NULL;
	st->rules.n = 0;
}

int kern_net_map_fd(struct kern_state *st, const char *name)
{
	struct bpf_map *map = st->net ? bpf_object__find_map_by_name(st->net->obj, name) : NULL;
	return map ? bpf_map__fd(map) : -1;
}

int kern_orig_dst(struct kern_state *st, __u16 family, __u16 port, struct leash_orig_dst *out)
{
	struct bpf_map *map = st->net ? bpf_object__find_map_by_name(st->net->obj, "orig_by_port") : NULL;
	__u32 key = ((__u32)family << 16) | port;
	if (!map)
		return -ENOENT;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, out))
		return -errno;
	return 0;
}

void kern_orig_forget(struct kern_state *st, __u16 family, __u16 port)
{
	struct bpf_map *map = st->net ? bpf_object__find_map_by_name(st->net->obj, "orig_by_port") : NULL;
	__u32 key = ((__u32)family << 16) | port;
	if (map)
		bpf_map_delete_elem(bpf_map__fd(map), &key);
}

int kern_dns_orig(struct kern_state *st, __u64 cookie, struct leash_orig_dst *out)
{
	struct bpf_map *map = st->net ? bpf_object__find_map_by_name(st->net->obj, "dns_orig") : NULL;
	if (!map)
		return -ENOENT;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &cookie, out))
		return -errno;
	return 0;
}

int kern_dns_orig_unique(struct kern_state *st, struct leash_orig_dst *out)
{
	struct bpf_map *map = st->net ? bpf_object__find_map_by_name(st->net->obj, "dns_orig") : NULL;
	__u64 key, next;
	void *prev = NULL;
	int n = 0;
	if (!map)
		return -1;
	int fd = bpf_map__fd(map);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct leash_orig_dst o;
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &o))
			continue;
		if (n && (o.family != out->family || o.port != out->port || memcmp(o.addr, out->addr, 16)))
			return -1;
		if (!n)
			*out = o;
		n++;
	}
	return n ? 0 : -1;
}

void kern_exec_mappings_status(const struct kern_state *st, char *out, size_t outlen)
{
	static const char *const progs[] = { "leash_mmap_file", "leash_file_mprotect" };
	int found = 0;
	snprintf(out, outlen, "off: kernel-lsm not loaded");
	for (int i = 0; i < st->n_results; i++) {
		const struct kern_prog_result *r = &st->results[i];
		for (size_t k = 0; k < sizeof(progs) / sizeof(progs[0]); k++) {
			if (strcmp(r->name, progs[k]) != 0)
				continue;
			if (r->err) {
				snprintf(out, outlen, "off: %s: %s (%s)", r->step, strerror(r->err), r->name);
				return;
			}
			found++;
		}
	}
	if (found == 2)
		snprintf(out, outlen, "ok");
}
