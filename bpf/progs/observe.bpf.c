// SPDX-License-Identifier: GPL-2.0
/* observe layer (record only, never blocks), for the target cgroup and its descendants:
 *  - leash_argv: captures the argv of execve/execveat for exec events (always loaded);
 *  - leash_obs_exec / leash_obs_open / leash_obs_connect: exec, open and connect events
 *    when kernel-lsm is unavailable; each carries the decision the policy maps would give
 *    (would_deny), so record and shadow work without LSM.
 * BTF tracepoints (tp_btf) need no tracefs mount. */
#include "common.h"
#include "path_match.h"

char LICENSE[] SEC("license") = "GPL";

#define NR_open 2
#define NR_connect 42
#define NR_execve 59
#define NR_openat 257
#define NR_execveat 322
#define NR_openat2 437

#define ARGV_ARGS 16
#define ARGV_CHUNK 256

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct argv_buf);
} argv_scratch SEC(".maps");

static __always_inline void capture_argv(const char *const *argv)
{
	__u32 zero = 0;
	struct argv_buf *a = bpf_map_lookup_elem(&argv_scratch, &zero);
	if (!a)
		return;
	__u32 off = 0;
	a->truncated = 0;
	for (int i = 0; i < ARGV_ARGS; i++) {
		const char *arg = NULL;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			break;
		if (off >= LEASH_ARGV_MAX - 1) {
			a->truncated = 1;
			break;
		}
		/* buf has ARGV_CHUNK bytes of slack past LEASH_ARGV_MAX; len is clamped below */
		long n = bpf_probe_read_user_str(a->buf + (off & (LEASH_ARGV_MAX - 1)), ARGV_CHUNK, arg);
		if (n <= 0)
			break;
		off += n;
		if (i == ARGV_ARGS - 1)
			a->truncated = 1;
	}
	if (off > LEASH_ARGV_MAX) {
		off = LEASH_ARGV_MAX;
		a->truncated = 1;
	}
	a->len = off;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&exec_argv, &tid, a, BPF_ANY);
}

static __always_inline void observe_open(const char *filename, int flags)
{
	struct scratch *s = get_scratch();
	if (!s)
		return;
	long n = bpf_probe_read_user_str(s->data, LEASH_PATH_MAX, filename);
	if (n <= 1)
		return;
	__u32 len = (__u32)(n - 1) & (LEASH_PATH_MAX - 1);
	__u8 acc;
	switch (flags & 3) {
	case 0:
		acc = LEASH_ACC_READ;
		break;
	case 1:
		acc = LEASH_ACC_WRITE;
		break;
	default:
		acc = LEASH_ACC_READ | LEASH_ACC_WRITE;
	}
	struct leash_config *cfg = get_config();
	struct path_verdict pv = { 0 };
	if (s->data[0] == '/') /* relative paths are reported, not judged */
		pv = path_decide(cfg ? cfg->slot : 0, len, acc);
	event_init(&s->ev, LEASH_EV_FILE_OPEN, LEASH_LAYER_OBSERVE, cfg ? cfg->mode : 0);
	s->ev.access = acc;
	s->ev.decision = LEASH_DEC_ALLOW;
	s->ev.flags = pv.deny ? LEASH_EVF_WOULD_DENY : 0;
	s->ev.rule = pv.rule;
	s->ev.path_len = len;
	event_send(s, len);
}

static __always_inline void observe_connect(const void *uaddr)
{
	__u16 family = 0;
	if (bpf_probe_read_user(&family, sizeof(family), uaddr))
		return;
	struct scratch *s = get_scratch();
	if (!s)
		return;
	struct leash_config *cfg = get_config();
	event_init(&s->ev, LEASH_EV_CONNECT, LEASH_LAYER_OBSERVE, cfg ? cfg->mode : 0);
	s->ev.family = family;
	__u16 port_be = 0;
	if (family == AF_INET) {
		struct sockaddr_in sin = {};
		bpf_probe_read_user(&sin, sizeof(sin), uaddr);
		v4_mapped(s->ev.addr, sin.sin_addr.s_addr);
		port_be = sin.sin_port;
	} else if (family == AF_INET6) {
		struct sockaddr_in6 sin6 = {};
		bpf_probe_read_user(&sin6, sizeof(sin6), uaddr);
		__builtin_memcpy(s->ev.addr, &sin6.sin6_addr, 16);
		port_be = sin6.sin6_port;
	} else {
		return;
	}
	s->ev.port = bpf_ntohs(port_be);
	__u32 rule = 0;
	int deny = net_denied(cfg ? cfg->slot : 0, s->ev.addr, s->ev.port, &rule);
	s->ev.decision = LEASH_DEC_ALLOW;
	s->ev.flags = deny ? LEASH_EVF_WOULD_DENY : 0;
	s->ev.rule = rule;
	event_send(s, 0);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(leash_argv, struct pt_regs *regs, long id)
{
	if (id != NR_execve && id != NR_execveat)
		return 0;
	if (!in_target())
		return 0;
	const char *const *argv = (const char *const *)(id == NR_execve ? BPF_CORE_READ(regs, si)
								     : BPF_CORE_READ(regs, dx));
	capture_argv(argv);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(leash_obs_syscall, struct pt_regs *regs, long id)
{
	if (id != NR_open && id != NR_openat && id != NR_openat2 && id != NR_connect)
		return 0;
	if (!in_target())
		return 0;
	if (id == NR_open) {
		observe_open((const char *)BPF_CORE_READ(regs, di), (int)BPF_CORE_READ(regs, si));
	} else if (id == NR_openat) {
		observe_open((const char *)BPF_CORE_READ(regs, si), (int)BPF_CORE_READ(regs, dx));
	} else if (id == NR_openat2) {
		struct open_how how = {};
		bpf_probe_read_user(&how, sizeof(how), (void *)BPF_CORE_READ(regs, dx));
		observe_open((const char *)BPF_CORE_READ(regs, si), (int)how.flags);
	} else {
		observe_connect((const void *)BPF_CORE_READ(regs, si));
	}
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(leash_obs_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!in_target())
		return 0;
	struct scratch *s = get_scratch();
	if (!s)
		return 0;
	long n = bpf_probe_read_kernel_str(s->data, LEASH_PATH_MAX, BPF_CORE_READ(bprm, filename));
	if (n <= 1)
		return 0;
	__u32 len = (__u32)(n - 1) & (LEASH_PATH_MAX - 1);
	struct leash_config *cfg = get_config();
	struct path_verdict pv = { 0 };
	if (s->data[0] == '/')
		pv = path_decide(cfg ? cfg->slot : 0, len, LEASH_ACC_EXEC);
	event_init(&s->ev, LEASH_EV_EXEC, LEASH_LAYER_OBSERVE, cfg ? cfg->mode : 0);
	s->ev.access = LEASH_ACC_EXEC;
	s->ev.decision = LEASH_DEC_ALLOW;
	s->ev.flags = pv.deny ? LEASH_EVF_WOULD_DENY : 0;
	s->ev.rule = pv.rule;
	s->ev.path_len = len;
	__u32 argv_len = 0;
	__u32 tid = old_pid; /* the exec'ing thread's id before de_thread */
	struct argv_buf *a = bpf_map_lookup_elem(&exec_argv, &tid);
	if (a) {
		argv_len = a->len;
		if (argv_len > LEASH_ARGV_MAX)
			argv_len = LEASH_ARGV_MAX;
		if (a->truncated)
			s->ev.flags |= LEASH_EVF_TRUNCATED;
		bpf_probe_read_kernel(s->data + len, argv_len, a->buf);
		bpf_map_delete_elem(&exec_argv, &tid);
	}
	s->ev.argv_len = argv_len;
	event_send(s, len + argv_len);
	return 0;
}
