/* The manager's kernel side: loads the eBPF objects embedded in the helper, attaches
 * what the kernel allows to the target cgroup, fills the policy maps from the host's map
 * image (bpf/include/leash_maps.h), switches modes, and streams events as JSON lines.
 * The standalone mode and the later control-socket protocol both drive these functions. */
#ifndef LEASH_KERN_H
#define LEASH_KERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "leash_maps.h"

#define KERN_MAX_PROGS 24
#define KERN_ERR_MAX 256

/* Which optional layers to try. */
enum kern_observe { KERN_OBSERVE_AUTO, KERN_OBSERVE_ON, KERN_OBSERVE_OFF };

struct kern_opts {
	const char *cgroup_path; /* target cgroup v2 directory */
	__u32 mode;              /* LEASH_MODE_* */
	enum kern_observe observe; /* auto: observers only when kernel-lsm is not attached */
	bool lsm;                /* try kernel-lsm */
	bool cgroup_net;         /* try cgroup-net */
	bool log_allow;          /* report allowed decisions in enforce/shadow too */
	__u32 ring_size;         /* ring buffer bytes (power of two, >= page size); 0 = default */
};

/* Result of one program: attached, or why not (errno and the step that failed). */
struct kern_prog_result {
	const char *layer;
	char name[48];
	int err; /* 0 = attached, else a positive errno */
	char step[16];
};

struct kern_rules {
	__u32 n;
	char **names; /* rule id i is names[i - 1] */
};

struct kern_state {
	struct leash_lsm_bpf *lsm;
	struct leash_net_bpf *net;
	struct leash_observe_bpf *observe;
	struct bpf_object *shared;   /* the first loaded object: owner of the shared maps */
	struct bpf_link *links[KERN_MAX_PROGS];
	int n_links;
	struct kern_prog_result results[KERN_MAX_PROGS];
	int n_results;
	int cgroup_fd;
	__u64 cgroup_id;
	__u32 cgroup_level;
	__u32 mode;
	__u32 flags;
	int slot;                    /* active policy slot, -1 before the first image */
	__u32 generation;
	struct kern_rules rules;
	struct ring_buffer *ring;
	__u64 drops_reported;
	__u64 path_errors_reported;  /* kernel.path_errors last reported (kern_poll) */
	FILE *out;                   /* JSON lines */
};

/* Resolves the target cgroup (v2 id and level); fills err on failure. */
int kern_open_cgroup(struct kern_state *st, const char *path, char *err, size_t errlen);

/* Loads and attaches every layer the options ask for and the kernel allows. Returns 0 when
 * at least one program is attached; per-program results are in st->results. */
int kern_activate(struct kern_state *st, const struct kern_opts *opts, char *err, size_t errlen);

/* Validates a map image and installs it atomically: the inactive slot is filled, then the
 * config flips to it. A bad image changes nothing. */
int kern_apply_image(struct kern_state *st, const unsigned char *buf, size_t len, char *err,
		     size_t errlen);

/* Original destination of a relayed TCP connection, by the client's family (AF_INET or
 * AF_INET6) and local port as the relay sees them on accept; 0 when found. */
int kern_orig_dst(struct kern_state *st, __u16 family, __u16 port, struct leash_orig_dst *out);

/* Forgets a relayed connection's original destination once the relay consumed it. */
void kern_orig_forget(struct kern_state *st, __u16 family, __u16 port);

/* Original resolver of a DNS client socket, by the socket's cookie; 0 when found. */
int kern_dns_orig(struct kern_state *st, __u64 cookie, struct leash_orig_dst *out);

/* The resolver every socket in the DNS redirect map asked, when they all agree; 0 or -1. */
int kern_dns_orig_unique(struct kern_state *st, struct leash_orig_dst *out);

/* The fd of a map of the cgroup-net object, -1 when it is not loaded. */
int kern_net_map_fd(struct kern_state *st, const char *name);

/* Names the space-separated addresses in addrs as DNS answers of this session for ttl_s
 * seconds (map dst_permits, kern_permits.c); when the map is full, expired entries are
 * swept first. Returns how many were named (0 without cgroup-net), or -1 with err (full). */
int kern_dst_permit(struct kern_state *st, const char *addrs, __u64 ttl_s, char *err, size_t errlen);

/* Removes expired entries of dst_permits; returns how many. */
int kern_dst_sweep(struct kern_state *st);

/* Mount point of the cgroup2 hierarchy's root in this mount namespace; 0 or -1. */
int kern_cgroup2_mount(char *out, size_t outlen);

/* What this kernel loads: one verdict per program type ("ok" or "EPERM: load: ..."). */
struct kern_probe {
	char lsm[256];
	char cgroup[256];
	char tracepoint[256];
	bool btf;
};

/* Loads and attaches one trivial program per type (kern_probe.c). */
void kern_probe_run(struct kern_probe *out);

/* Switches the mode at runtime (LEASH_MODE_*). */
int kern_set_mode(struct kern_state *st, __u32 mode);

/* Consumes pending events (waits up to timeout_ms); returns the number handled or < 0. */
int kern_poll(struct kern_state *st, int timeout_ms);

/* The ring buffer's epoll fd, for callers that multiplex. */
int kern_events_fd(struct kern_state *st);

/* Sum of the per-CPU drop counters. */
__u64 kern_drops(struct kern_state *st);

/* Sum of the per-CPU counters of paths kernel-lsm could not resolve (and so denied); kern_poll
 * reports a "kernel.path_errors" line when it grows. */
__u64 kern_path_errors(struct kern_state *st);

/* Whether PROT_EXEC mappings are judged (kernel-lsm's mmap_file and file_mprotect attached):
 * "ok", or "off: REASON". */
void kern_exec_mappings_status(const struct kern_state *st, char *out, size_t outlen);

/* Reports the drop count when it grew since the last report. */
void kern_report_drops(struct kern_state *st);

/* Detaches and frees everything. */
void kern_teardown(struct kern_state *st);

/* Parses "record" | "shadow" | "enforce"; -1 when unknown. */
int kern_mode_parse(const char *s);
const char *kern_mode_name(__u32 mode);

/* Writes one JSON event line for a ring buffer record (kern_events.c). */
void kern_print_event(struct kern_state *st, const void *data, size_t size);

/* Creates the ring buffer reader that prints events (kern_events.c). */
struct ring_buffer *kern_ring_new(struct kern_state *st, int map_fd);

/* JSON string output: quotes and escapes n bytes of s. */
void kern_json_str(FILE *f, const char *s, size_t n);

#endif
