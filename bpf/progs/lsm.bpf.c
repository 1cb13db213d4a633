// SPDX-License-Identifier: GPL-2.0
/* kernel-lsm layer: file_open (read/write by path), bprm_check_security (exec by path,
 * argv in events), mmap_file and file_mprotect (PROT_EXEC mappings of files need the exec
 * permit too, so a permitted loader or LD_PRELOAD cannot run code from a file the policy
 * does not let execute; mprotect cannot make a file mapping executable), socket_connect (IPv4, IPv6, v4-mapped) and socket_create (no raw
 * or packet sockets) for the target cgroup and its descendants. Denials return -EACCES
 * (files, exec) or -EPERM (network). A path bpf_d_path cannot resolve (longer than
 * LEASH_PATH_MAX, or any error) is denied, reported and counted: never let through. */
#include "common.h"
#include "path_match.h"

char LICENSE[] SEC("license") = "GPL";

#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
#define FMODE_EXEC 0x20
/* The open flag an exec's open of the binary carries (fs.h: __FMODE_EXEC); it is in f_flags,
 * not f_mode, when file_open runs (Landlock tests it the same way). */
#define __FMODE_EXEC 0x20
#define PROT_EXEC 0x4
#define VM_EXEC 0x4

/* Paths bpf_d_path could not resolve, per CPU; the loader sums and reports them. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} path_errors SEC(".maps");

/* Resolves the path into s->data. Returns its length (no NUL); 0 when it is not an absolute
 * path (pipes, sockets, anonymous inodes: no file-system path to judge); or a negative
 * errno when bpf_d_path failed (-ENAMETOOLONG past LEASH_PATH_MAX). */
static __always_inline long resolve_path(struct scratch *s, const struct path *path)
{
	long n = bpf_d_path((struct path *)path, s->data, LEASH_PATH_MAX);
	if (n < 0)
		return n;
	if (n <= 1 || s->data[0] != '/')
		return 0;
	return (long)((__u32)(n - 1) & (LEASH_PATH_MAX - 1));
}

/* Fails closed on an unresolvable path: counts it, reports it (no path, "errno") and
 * denies in enforce mode; shadow and record report would_deny, as for any denial. */
static __always_inline int path_error(struct scratch *s, __u16 kind, __u8 acc, __u8 via, long err)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&path_errors, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
	struct leash_config *cfg = get_config();
	struct verdict v = apply_mode(cfg, 1);
	if (v.report) {
		event_init(&s->ev, kind, LEASH_LAYER_LSM, cfg ? cfg->mode : 0);
		s->ev.access = acc;
		s->ev.decision = v.block ? LEASH_DEC_DENY : LEASH_DEC_ALLOW;
		s->ev.flags = v.flags | LEASH_EVF_NO_PATH;
		s->ev.sock_type = via;
		s->ev.ret = (__s32)err;
		event_send(s, 0);
	}
	return v.block ? -EACCES : 0;
}

/* The verdict on one access (acc) to path, reported as an event of kind (via: how code was
 * reached, for exec mappings); fails closed when the path cannot be resolved. */
static __always_inline int judge_path(struct scratch *s, const struct path *path, __u16 kind,
				      __u8 acc, __u8 via)
{
	long r = resolve_path(s, path);
	if (r < 0)
		return path_error(s, kind, acc, via, r);
	__u32 len = (__u32)r;
	if (!len)
		return 0;
	struct leash_config *cfg = get_config();
	struct path_verdict pv = path_decide(cfg ? cfg->slot : 0, len, acc);
	struct verdict v = apply_mode(cfg, pv.deny);
	if (v.report) {
		event_init(&s->ev, kind, LEASH_LAYER_LSM, cfg ? cfg->mode : 0);
		s->ev.access = acc;
		s->ev.decision = v.block ? LEASH_DEC_DENY : LEASH_DEC_ALLOW;
		s->ev.flags = v.flags;
		s->ev.rule = pv.rule;
		s->ev.path_len = len;
		s->ev.sock_type = via;
		event_send(s, len);
	}
	return v.block ? -EACCES : 0;
}

/* The exec verdict for a PROT_EXEC mapping of path (mmap_file, file_mprotect). */
static __always_inline int exec_mapping(const struct path *path, __u8 via)
{
	struct scratch *s = get_scratch();
	if (!s)
		return -EACCES; /* cannot happen (a per-CPU array of one): never fail open */
	return judge_path(s, path, LEASH_EV_EXEC, LEASH_ACC_EXEC, via);
}

SEC("lsm/file_open")
int BPF_PROG(leash_file_open, struct file *file, int ret)
{
	if (ret)
		return ret;
	if (!in_target())
		return 0;
	unsigned int fmode = file->f_mode;
	if ((file->f_flags & __FMODE_EXEC) || (fmode & FMODE_EXEC))
		return 0; /* the binary of an exec: bprm_check_security decides */
	__u8 acc = 0;
	if (fmode & FMODE_READ)
		acc |= LEASH_ACC_READ;
	if (fmode & FMODE_WRITE)
		acc |= LEASH_ACC_WRITE;
	if (!acc)
		return 0;
	struct scratch *s = get_scratch();
	if (!s)
		return -EACCES;
	return judge_path(s, &file->f_path, LEASH_EV_FILE_OPEN, acc, 0);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(leash_bprm_check, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	if (!in_target())
		return 0;
	struct scratch *s = get_scratch();
	if (!s)
		return -EACCES;
	long r = resolve_path(s, &bprm->file->f_path);
	if (r < 0)
		return path_error(s, LEASH_EV_EXEC, LEASH_ACC_EXEC, 0, r);
	__u32 len = (__u32)r;
	if (!len)
		return 0;
	struct leash_config *cfg = get_config();
	struct path_verdict pv = path_decide(cfg ? cfg->slot : 0, len, LEASH_ACC_EXEC);
	struct verdict v = apply_mode(cfg, pv.deny);
	if (v.report) {
		event_init(&s->ev, LEASH_EV_EXEC, LEASH_LAYER_LSM, cfg ? cfg->mode : 0);
		s->ev.access = LEASH_ACC_EXEC;
		s->ev.decision = v.block ? LEASH_DEC_DENY : LEASH_DEC_ALLOW;
		s->ev.flags = v.flags;
		s->ev.rule = pv.rule;
		s->ev.path_len = len;
		__u32 argv_len = 0;
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		struct argv_buf *a = bpf_map_lookup_elem(&exec_argv, &tid);
		if (a) {
			argv_len = a->len;
			if (argv_len > LEASH_ARGV_MAX)
				argv_len = LEASH_ARGV_MAX;
			if (a->truncated)
				s->ev.flags |= LEASH_EVF_TRUNCATED;
			bpf_probe_read_kernel(s->data + (len & (LEASH_PATH_MAX - 1)), argv_len, a->buf);
			bpf_map_delete_elem(&exec_argv, &tid);
		}
		s->ev.argv_len = argv_len;
		event_send(s, (len & (LEASH_PATH_MAX - 1)) + argv_len);
	}
	return v.block ? -EACCES : 0;
}

/* PROT_EXEC mappings of a file need the exec permit: the loader trick
 * (ld.so ./payload) and LD_PRELOAD map code with mmap, not execve. Anonymous memory (JIT)
 * has no file and is not judged here. */
SEC("lsm/mmap_file")
int BPF_PROG(leash_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret)
		return ret;
	if (!file || !(prot & PROT_EXEC) || !in_target())
		return 0;
	return exec_mapping(&file->f_path, LEASH_VIA_MMAP);
}

/* Making a file mapping executable later (mmap PROT_READ, then mprotect PROT_EXEC). The
 * kernel does not let bpf_d_path run in this hook, so the path cannot be judged here: adding
 * PROT_EXEC to a file mapping that was not executable is refused outright (ld.so and JITs map
 * code executable from the start; a mapping that already was executable was judged by
 * mmap_file and may toggle it). */
SEC("lsm/file_mprotect")
int BPF_PROG(leash_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot, unsigned long prot,
	     int ret)
{
	if (ret)
		return ret;
	if (!(prot & PROT_EXEC) || !in_target())
		return 0;
	struct file *file = vma->vm_file;
	if (!file || (vma->vm_flags & VM_EXEC))
		return 0; /* anonymous memory, or already executable */
	struct scratch *s = get_scratch();
	if (!s)
		return -EACCES;
	struct leash_config *cfg = get_config();
	struct verdict v = apply_mode(cfg, 1);
	if (v.report) {
		event_init(&s->ev, LEASH_EV_EXEC, LEASH_LAYER_LSM, cfg ? cfg->mode : 0);
		s->ev.access = LEASH_ACC_EXEC;
		s->ev.decision = v.block ? LEASH_DEC_DENY : LEASH_DEC_ALLOW;
		s->ev.flags = v.flags;
		s->ev.sock_type = LEASH_VIA_MPROTECT;
		/* the file's name (not its path) helps a person see what it was */
		long n = bpf_probe_read_kernel_str(s->data, 256, BPF_CORE_READ(file, f_path.dentry, d_name.name));
		s->ev.path_len = n > 1 ? (__u16)(n - 1) : 0;
		event_send(s, s->ev.path_len & 255);
	}
	return v.block ? -EACCES : 0;
}

SEC("lsm/socket_connect")
int BPF_PROG(leash_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	if (ret)
		return ret;
	if (!in_target())
		return 0;
	__u16 family = BPF_CORE_READ(address, sa_family);
	__u8 addr[16];
	__u16 port;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)address;
		__u32 ip4 = BPF_CORE_READ(sin, sin_addr.s_addr);
		if (is_loopback4(ip4))
			return 0;
		v4_mapped(addr, ip4);
		port = bpf_ntohs(BPF_CORE_READ(sin, sin_port));
	} else if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)address;
		__u32 ip6[4];
		BPF_CORE_READ_INTO(&ip6, sin6, sin6_addr.in6_u.u6_addr32);
		if (is_loopback6(ip6))
			return 0;
		__builtin_memcpy(addr, ip6, 16);
		port = bpf_ntohs(BPF_CORE_READ(sin6, sin6_port));
	} else {
		return 0;
	}
	__u16 type = BPF_CORE_READ(sock, type);
	struct leash_config *cfg = get_config();
	__u32 rule = 0;
	int deny = net_denied(cfg ? cfg->slot : 0, addr, port, &rule);
	if (type == SOCK_DGRAM && port != 53)
		deny = 1; /* UDP only reaches the DNS relay */
	struct verdict v = apply_mode(cfg, deny);
	if (v.report) {
		struct scratch *s = get_scratch();
		if (s) {
			event_init(&s->ev, LEASH_EV_CONNECT, LEASH_LAYER_LSM, cfg ? cfg->mode : 0);
			s->ev.decision = v.block ? LEASH_DEC_DENY : LEASH_DEC_ALLOW;
			s->ev.flags = v.flags;
			s->ev.rule = rule;
			s->ev.family = family;
			s->ev.port = port;
			s->ev.sock_type = type;
			s->ev.access = type == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
			__builtin_memcpy(s->ev.addr, addr, 16);
			event_send(s, 0);
		}
	}
	return v.block ? -EPERM : 0;
}

/* Raw and packet sockets (cgroup sock_create only sees AF_INET/AF_INET6). */
SEC("lsm/socket_create")
int BPF_PROG(leash_socket_create, int family, int type, int protocol, int kern, int ret)
{
	if (ret)
		return ret;
	if (kern || !in_target())
		return 0;
	if (family != AF_PACKET && (type & 0xf) != SOCK_RAW)
		return 0;
	struct leash_config *cfg = get_config();
	struct verdict v = apply_mode(cfg, 1);
	if (v.report) {
		struct scratch *s = get_scratch();
		if (s) {
			event_init(&s->ev, LEASH_EV_SOCKET, LEASH_LAYER_LSM, cfg ? cfg->mode : 0);
			s->ev.decision = v.block ? LEASH_DEC_DENY : LEASH_DEC_ALLOW;
			s->ev.flags = v.flags;
			s->ev.family = family;
			s->ev.sock_type = type & 0xf;
			s->ev.access = protocol;
			event_send(s, 0);
		}
	}
	return v.block ? -EPERM : 0;
}
