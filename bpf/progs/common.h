/* Maps and helpers shared by every leash eBPF object. Each object declares the same maps;
 * the loader makes the later objects reuse the first object's map fds, so all programs
 * see one ring buffer, one config and one set of policy maps. */
#ifndef LEASH_COMMON_H
#define LEASH_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "leash_maps.h"

#define EACCES 13
#define EPERM 1
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_PACKET 17
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

/* Per-run config, set by the loader before load. */
const volatile __u64 target_cgroup = 0; /* cgroup v2 id of the target */
const volatile __u32 target_level = 0;  /* its level in the v2 hierarchy (root = 0) */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Events the ring buffer could not take, per CPU; the loader sums and reports them. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct leash_config);
} run_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LEASH_SLOTS);
	__type(key, __u32);
	__type(value, struct leash_policy_meta);
} policy_meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct leash_path_key);
	__type(value, struct leash_path_val);
} path_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__type(key, struct leash_net_key);
	__type(value, struct leash_net_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} net_rules SEC(".maps");

struct argv_buf {
	__u32 len;
	__u32 truncated;
	char buf[LEASH_ARGV_MAX + 256]; /* slack for the last chunked read; len <= LEASH_ARGV_MAX */
};

/* argv of the exec in progress, per thread, captured at sys_enter_execve(at). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct argv_buf);
} exec_argv SEC(".maps");

/* Event under construction: header + path + argv. */
struct scratch {
	struct leash_event ev;
	char data[LEASH_PATH_MAX + LEASH_ARGV_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/* How many levels the cgroup v2 mount the loader counted from may lie below the real root:
 * a manager in a private cgroup namespace (e.g. a docker-in-docker engine) sees its
 * namespace's root as "/", but bpf_get_current_ancestor_cgroup_id counts from the real root. */
#define NS_DEPTH_MAX 8

/* The current task is in the target cgroup or below it. target_level is a lower bound of the
 * target's absolute level (exact outside a cgroup namespace, so the first try matches there). */
static __always_inline bool in_target(void)
{
	for (__u32 i = 0; i <= NS_DEPTH_MAX; i++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(target_level + i);

		if (id == target_cgroup)
			return true;
		if (id == 0) /* deeper than the task's own cgroup: no further level can match */
			return false;
	}
	return false;
}

static __always_inline struct leash_config *get_config(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&run_config, &zero);
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch_map, &zero);
}

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&drops, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
}

/* Fills the common header fields of an event. */
static __always_inline void event_init(struct leash_event *ev, __u16 kind, __u8 layer, __u32 mode)
{
	__u64 id = bpf_get_current_pid_tgid();
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->layer = layer;
	ev->mode = mode;
	ev->pid = id >> 32;
	ev->tid = (__u32)id;
	ev->cgroup = bpf_get_current_cgroup_id();
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
}

/* Sends header + data_len bytes of s->data; counts a drop when the ring is full. */
static __always_inline void event_send(struct scratch *s, __u32 data_len)
{
	if (data_len > sizeof(s->data))
		data_len = sizeof(s->data);
	if (bpf_ringbuf_output(&events, s, sizeof(s->ev) + data_len, 0))
		count_drop();
}

/* What the mode makes of a policy verdict: the return value and whether to report it. */
struct verdict {
	int deny;     /* policy says deny */
	int block;    /* the operation is refused */
	int report;   /* an event is sent */
	__u8 flags;
};

static __always_inline struct verdict apply_mode(struct leash_config *cfg, int deny)
{
	struct verdict v = { .deny = deny };
	__u32 mode = cfg ? cfg->mode : LEASH_MODE_ENFORCE;
	__u32 flags = cfg ? cfg->flags : 0;
	if (mode == LEASH_MODE_ENFORCE) {
		v.block = deny;
		v.report = deny || (flags & LEASH_F_LOG_ALLOW);
	} else if (mode == LEASH_MODE_SHADOW) {
		v.report = deny || (flags & LEASH_F_LOG_ALLOW);
		v.flags = deny ? LEASH_EVF_WOULD_DENY : 0;
	} else {
		v.report = 1;
		v.flags = deny ? LEASH_EVF_WOULD_DENY : 0;
	}
	return v;
}

/* Network verdict for an address (16 bytes, IPv4 as v4-mapped) and port (host order).
 * Returns 1 to deny; *rule receives the deciding rule id. */
static __always_inline int net_denied(__u32 slot, const __u8 *addr, __u16 port, __u32 *rule)
{
	struct leash_net_key key = { .prefixlen = 8 + 128, .slot = (__u8)slot };
	__builtin_memcpy(key.addr, addr, 16);
	struct leash_net_val *v = bpf_map_lookup_elem(&net_rules, &key);
	*rule = 0;
	if (!v) {
		__u32 s = slot & 1;
		struct leash_policy_meta *meta = bpf_map_lookup_elem(&policy_meta, &s);
		return meta ? !meta->net_default : 0;
	}
	__u32 n = v->nports;
#pragma unroll
	for (int i = 0; i < LEASH_NET_PORTS; i++) {
		if (i < n && v->ports[i].port == port) {
			*rule = v->ports[i].rule;
			return !v->ports[i].allow;
		}
	}
	*rule = v->other_rule;
	return !v->other_allow;
}

static __always_inline void v4_mapped(__u8 *out, __u32 ip4_be)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &ip4_be, 4);
}

static __always_inline bool is_v4_mapped(const __u32 *ip6)
{
	return ip6[0] == 0 && ip6[1] == 0 && ip6[2] == bpf_htonl(0xffff);
}

static __always_inline bool is_loopback4(__u32 ip4_be)
{
	return (bpf_ntohl(ip4_be) >> 24) == 127;
}

static __always_inline bool is_loopback6(const __u32 *ip6)
{
	if (is_v4_mapped(ip6))
		return is_loopback4(ip6[3]);
	return ip6[0] == 0 && ip6[1] == 0 && ip6[2] == 0 && ip6[3] == bpf_htonl(1);
}

#endif
