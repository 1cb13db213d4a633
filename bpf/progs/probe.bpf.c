// SPDX-License-Identifier: GPL-2.0
/* Minimal programs for `leash-helper probe`: can this kernel load and attach an eBPF LSM
 * program, a cgroup sock_addr program and a BTF tracepoint? They allow everything. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/file_open")
int BPF_PROG(leash_probe_lsm, struct file *file, int ret)
{
	return ret;
}

SEC("cgroup/connect4")
int leash_probe_cgroup(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(leash_probe_tp, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return 0;
}
