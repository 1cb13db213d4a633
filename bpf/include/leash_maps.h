/* Contracts between the host, the helper and the eBPF programs:
 *  - the map image: the compact binary form the host encodes (src/native/kernel_maps.ts)
 *    and the helper copies into the kernel maps without interpreting policy;
 *  - the kernel map keys and values;
 *  - the event records the programs write to the ring buffer.
 * All integers are little-endian; structs are packed by construction (no implicit padding).
 * Include after vmlinux.h (eBPF) or <linux/types.h> (helper). */
#ifndef LEASH_MAPS_H
#define LEASH_MAPS_H

/* ---- modes, access bits, verdicts ---- */
#define LEASH_MODE_RECORD 0
#define LEASH_MODE_SHADOW 1
#define LEASH_MODE_ENFORCE 2

#define LEASH_ACC_READ 1
#define LEASH_ACC_WRITE 2
#define LEASH_ACC_EXEC 4

#define LEASH_SLOTS 2 /* policy double buffer: the inactive slot is filled, then flipped */

/* ---- file/exec rules: one entry per normalized path (the policy IR's file table) ----
 * The key is FNV-1a 64 of the path bytes (no trailing slash; "/" is the empty string)
 * plus its length. Each entry carries the host's COMBINED decision (forbid already beats
 * permit there), so the kernel only has to find the deepest entry: the exact File entry
 * for the path, else the longest Dir entry at a "/" boundary (or the path itself), else
 * the slot's default. The kernel hashes the path incrementally and looks the prefix up at
 * every "/" boundary, so "/etc/passwd" never matches "/etc/passwd-x". */
#define LEASH_FNV_OFFSET 0xcbf29ce484222325ULL
#define LEASH_FNV_PRIME 0x100000001b3ULL
#define LEASH_PATH_MAX 4096

struct leash_path_key {
	__u64 hash;
	__u32 len;
	__u32 slot;
};

#define LEASH_PV_DIR 1  /* a Dir entry: the path and everything below it */
#define LEASH_PV_FILE 2 /* a File entry: exactly this path */

struct leash_path_val {
	__u8 flags;      /* LEASH_PV_* present in this entry */
	__u8 dir_allow;  /* LEASH_ACC_* bits allowed by the Dir entry */
	__u8 file_allow; /* LEASH_ACC_* bits allowed by the File entry */
	__u8 pad;
	/* deciding rule ids (1-based index into the image's rule table, 0 = default) per
	 * access: index 0 read, 1 write, 2 exec */
	__u32 dir_rule[3];
	__u32 file_rule[3];
};

/* ---- network rules: LPM trie keyed by slot + IPv6 address (IPv4 as ::ffff:a.b.c.d) ----
 * prefixlen counts the slot byte: 8 + address prefix bits; an entry with address prefix 0
 * is the default. Entries carry the combined decision, so the longest match decides:
 * the decision for the port when listed, else `other`. Only explicit forbids deny here;
 * destinations merely not permitted by IP are left to the relay (host names).
 * `named` says the policy permits some port of the prefix (an IP/CIDR rule): the cgroup
 * programs redirect a TCP connect to the relay only when its address is named, or leash's
 * DNS gave it to this session (map "dst_permits"); anything else is refused at connect. */
#define LEASH_NET_PORTS 8

struct leash_net_key {
	__u32 prefixlen;
	__u8 slot;
	__u8 addr[16];
	__u8 pad[3];
};

struct leash_net_port {
	__u16 port; /* host byte order */
	__u8 allow;
	__u8 pad;
	__u32 rule; /* deciding rule id */
};

struct leash_net_val {
	__u8 other_allow; /* decision for ports not listed */
	__u8 nports;
	__u8 named; /* the policy permits some port of the prefix */
	__u8 pad;
	__u32 other_rule;
	struct leash_net_port ports[LEASH_NET_PORTS];
};

/* ---- per-slot defaults (array map "policy_meta", index = slot) ---- */
struct leash_policy_meta {
	__u8 file_default; /* access bits allowed when no path entry decides */
	__u8 net_default;  /* 1 = allow destinations no entry decides (the relay decides) */
	__u8 pad[2];
	__u32 generation;
};

/* ---- destinations leash's DNS answered (hash map "dst_permits") ----
 * Key: the address (IPv4 as ::ffff:a.b.c.d); value: when the permit ends, on the
 * CLOCK_MONOTONIC clock (bpf_ktime_get_ns). The manager fills it on the host's
 * "dst.permit" before the DNS answer reaches the target; bounded (full: the host's DNS
 * answer fails, closed). */
#define LEASH_DST_PERMITS_MAX 16384

struct leash_dst_key {
	__u8 addr[16];
};

struct leash_dst_permit {
	__u64 expires_ns;
};

/* ---- runtime config (array map "config", one entry) ---- */
#define LEASH_F_LOG_ALLOW 1 /* in enforce/shadow mode also report allowed decisions */

struct leash_config {
	__u32 mode;
	__u32 slot;
	__u32 flags;
	__u32 pad;
};

/* ---- relay ports inside the target's network namespace ---- */
#define LEASH_PORT_PROXY 3128
#define LEASH_PORT_TRANSPARENT 15001
#define LEASH_PORT_DNS 15053

/* original destination of a rewritten connection (map "orig_by_port", key = client's
 * local port in host order, family-independent; "orig_by_cookie" before the port is bound) */
struct leash_orig_dst {
	__u64 cookie;
	__u16 family; /* AF_INET or AF_INET6 */
	__u16 port;   /* host byte order */
	__u8 addr[16]; /* IPv4 in the first 4 bytes */
	__u32 pad;
};

/* ---- events (ring buffer "events") ---- */
enum leash_event_kind {
	LEASH_EV_FILE_OPEN = 1,
	LEASH_EV_EXEC = 2,
	LEASH_EV_CONNECT = 3,   /* TCP or UDP connect */
	LEASH_EV_SENDMSG = 4,   /* unconnected UDP send */
	LEASH_EV_SOCKET = 5,    /* socket creation */
};

enum leash_layer {
	LEASH_LAYER_LSM = 1,
	LEASH_LAYER_CGROUP = 2,
	LEASH_LAYER_OBSERVE = 3,
};

#define LEASH_EVF_WOULD_DENY 1 /* policy denies but the mode let it through */
#define LEASH_EVF_TRUNCATED 2  /* path or argv did not fit */
#define LEASH_EVF_REWRITTEN 4  /* connection redirected to the relay */
#define LEASH_EVF_NO_PATH 8    /* the path could not be resolved (ret: -errno): denied */
#define LEASH_EVF_UNNAMED 16   /* refused: no rule and no DNS answer named the address */

/* How a proc.exec event's code was reached (carried in sock_type): 0 execve, else a mapping. */
#define LEASH_VIA_MMAP 1     /* mmap with PROT_EXEC of a file */
#define LEASH_VIA_MPROTECT 2 /* mprotect adding PROT_EXEC to a file mapping */

#define LEASH_DEC_ALLOW 0
#define LEASH_DEC_DENY 1

#define LEASH_ARGV_MAX 512

struct leash_event {
	__u16 kind;
	__u8 decision;
	__u8 flags;
	__u8 layer;
	__u8 access;   /* LEASH_ACC_* for files; IPPROTO_* for the network */
	__u16 path_len; /* bytes of path at data[0], without NUL */
	__u16 argv_len; /* bytes of NUL-separated argv after the path */
	__u16 family;
	__u16 port;    /* destination port, host order */
	__u16 sock_type;
	__u32 pid;     /* thread group id (userspace pid) */
	__u32 tid;
	__u32 rule;    /* rule id or 0 */
	__u32 mode;
	__u64 cgroup;
	__u8 addr[16];
	char comm[16];
	__s32 ret;     /* observe layer: the syscall's return value (-errno on failure); with
			* LEASH_EVF_NO_PATH: bpf_d_path's -errno; else 0 */
	__u32 pad;
};

/* ---- the map image (host -> helper) ----
 * header, then n_paths × {key without slot: hash u64, len u32} + leash_path_val,
 * then n_nets × {prefixlen u32 (address bits only, 0..128), addr[16]} + leash_net_val,
 * then n_rules × {len u16, bytes} (rule ids as UTF-8, id i at position i-1). */
#define LEASH_IMAGE_MAGIC "LEASHMAP"
#define LEASH_IMAGE_VERSION 1

struct leash_image_header {
	char magic[8];
	__u32 version;
	__u32 n_paths;
	__u32 n_nets;
	__u32 n_rules;
	__u8 file_default;
	__u8 net_default;
	__u8 pad[2];
	__u32 generation;
};

struct leash_image_path {
	__u64 hash;
	__u32 len;
	__u32 pad;
	struct leash_path_val val;
	__u32 pad2;
};

struct leash_image_net {
	__u32 prefixlen;
	__u8 addr[16];
	struct leash_net_val val;
};

#endif
