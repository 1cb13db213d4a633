// SPDX-License-Identifier: GPL-2.0
/* observe layer (record only, never blocks), for the target cgroup and its descendants:
 *  - leash_argv: captures the argv of execve/execveat for exec events (always loaded);
 *  - leash_obs_syscall (sys_enter) stashes open/openat/openat2/connect/execve(at) per thread;
 *    leash_obs_exit (sys_exit) judges the call against the policy maps and reports it with
 *    its real outcome (decision deny when it failed with EACCES/EPERM, ret = -errno) and
 *    the policy's verdict (would_deny); leash_obs_exec reports successful execs. Loaded
 *    when kernel-lsm is unavailable, so record and shadow work without LSM.
 * BTF tracepoints (tp_btf) need no tracefs mount. */
#include "common.h"
#include "path_match.h"
#include "syscall_arch.h"

char LICENSE[] SEC("license") = "GPL";

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

/* A call in progress, per thread: what sys_exit needs to judge and report it. */
struct obs_call {
	__u64 arg;   /* user pointer: the path (open, exec) or the sockaddr (connect) */
	__u32 id;    /* syscall number */
	__u32 flags; /* open flags */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct obs_call);
} obs_calls SEC(".maps");

/* The real outcome: deny when the kernel refused the call (Landlock, cgroup-net, DAC...). */
static __always_inline void set_outcome(struct leash_event *ev, long ret)
{
	ev->ret = (__s32)ret;
	ev->decision = (ret == -EACCES || ret == -EPERM) ? LEASH_DEC_DENY : LEASH_DEC_ALLOW;
}

/* Appends the argv captured at sys_enter for thread tid to s->data at off; returns its length. */
static __always_inline __u32 take_argv(struct scratch *s, __u32 tid, __u32 off)
{
	struct argv_buf *a = bpf_map_lookup_elem(&exec_argv, &tid);
	if (!a)
		return 0;
	__u32 argv_len = a->len;
	if (argv_len > LEASH_ARGV_MAX)
		argv_len = LEASH_ARGV_MAX;
	if (a->truncated)
		s->ev.flags |= LEASH_EVF_TRUNCATED;
	bpf_probe_read_kernel(s->data + (off & (LEASH_PATH_MAX - 1)), argv_len, a->buf);
	bpf_map_delete_elem(&exec_argv, &tid);
	return argv_len;
}

/* An open, or an execve that failed (a successful one is leash_obs_exec's). */
static __always_inline void observe_path(__u16 kind, const char *filename, __u8 acc, long ret)
{
	struct scratch *s = get_scratch();
	if (!s)
		return;
	long n = bpf_probe_read_user_str(s->data, LEASH_PATH_MAX, filename);
	if (n <= 1)
		return;
	__u32 len = (__u32)(n - 1) & (LEASH_PATH_MAX - 1);
	struct leash_config *cfg = get_config();
	struct path_verdict pv = { 0 };
	if (s->data[0] == '/') /* relative paths are reported, not judged */
		pv = path_decide(cfg ? cfg->slot : 0, len, acc);
	event_init(&s->ev, kind, LEASH_LAYER_OBSERVE, cfg ? cfg->mode : 0);
	s->ev.access = acc;
	set_outcome(&s->ev, ret);
	s->ev.flags = pv.deny ? LEASH_EVF_WOULD_DENY : 0;
	s->ev.rule = pv.rule;
	s->ev.path_len = len;
	__u32 argv_len = 0;
	if (kind == LEASH_EV_EXEC)
		argv_len = take_argv(s, s->ev.tid, len);
	s->ev.argv_len = argv_len;
	event_send(s, len + argv_len);
}

static __always_inline void observe_connect(const void *uaddr, long ret)
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
	set_outcome(&s->ev, ret);
	s->ev.flags = deny ? LEASH_EVF_WOULD_DENY : 0;
	s->ev.rule = rule;
	event_send(s, 0);
}

static __always_inline bool observed(long id)
{
	return IS_NR_open(id) || id == NR_openat || id == NR_openat2 || id == NR_connect ||
	       id == NR_execve || id == NR_execveat;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(leash_argv, struct pt_regs *regs, long id)
{
	if (id != NR_execve && id != NR_execveat)
		return 0;
	if (!in_target())
		return 0;
	const char *const *argv = (const char *const *)(id == NR_execve ? SYSCALL_ARG1(regs)
								     : SYSCALL_ARG2(regs));
	capture_argv(argv);
	return 0;
}

/* Stashes the call's arguments; leash_obs_exit judges and reports it with its outcome. */
SEC("tp_btf/sys_enter")
int BPF_PROG(leash_obs_syscall, struct pt_regs *regs, long id)
{
	if (!observed(id))
		return 0;
	if (!in_target())
		return 0;
	struct obs_call c = { .id = (__u32)id };
	if (IS_NR_open(id) || id == NR_execve) {
		c.arg = SYSCALL_ARG0(regs);
		c.flags = (__u32)SYSCALL_ARG1(regs);
	} else if (id == NR_openat) {
		c.arg = SYSCALL_ARG1(regs);
		c.flags = (__u32)SYSCALL_ARG2(regs);
	} else if (id == NR_openat2) {
		struct open_how how = {};
		bpf_probe_read_user(&how, sizeof(how), (void *)SYSCALL_ARG2(regs));
		c.arg = SYSCALL_ARG1(regs);
		c.flags = (__u32)how.flags;
	} else { /* connect, execveat */
		c.arg = SYSCALL_ARG1(regs);
	}
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&obs_calls, &tid, &c, BPF_ANY);
	return 0;
}

/* The user memory of the arguments is still valid here: open and connect do not change it,
 * and a failed execve keeps the old image. */
SEC("tp_btf/sys_exit")
int BPF_PROG(leash_obs_exit, struct pt_regs *regs, long ret)
{
	long id = SYSCALL_NR(regs);
	if (!observed(id))
		return 0;
	if (!in_target())
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct obs_call *p = bpf_map_lookup_elem(&obs_calls, &tid);
	if (!p)
		return 0;
	struct obs_call c = *p;
	bpf_map_delete_elem(&obs_calls, &tid);
	if (c.id != (__u32)id)
		return 0;
	if (id == NR_connect) {
		observe_connect((const void *)c.arg, ret);
	} else if (id == NR_execve || id == NR_execveat) {
		if (ret < 0)
			observe_path(LEASH_EV_EXEC, (const char *)c.arg, LEASH_ACC_EXEC, ret);
		else
			bpf_map_delete_elem(&exec_argv, &tid);
	} else {
		__u8 acc;
		switch (c.flags & 3) {
		case 0:
			acc = LEASH_ACC_READ;
			break;
		case 1:
			acc = LEASH_ACC_WRITE;
			break;
		default:
			acc = LEASH_ACC_READ | LEASH_ACC_WRITE;
		}
		observe_path(LEASH_EV_FILE_OPEN, (const char *)c.arg, acc, ret);
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
	__u32 argv_len = take_argv(s, old_pid, len); /* the thread id before de_thread */
	s->ev.argv_len = argv_len;
	event_send(s, len + argv_len);
	return 0;
}
